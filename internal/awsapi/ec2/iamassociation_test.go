package ec2_test

import (
	"errors"
	"fmt"
	"io"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials/ec2rolecreds"
	sdkimds "github.com/aws/aws-sdk-go-v2/feature/ec2/imds"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/tollgate/tollgate/internal/fault"
	"github.com/tollgate/tollgate/internal/sdktest"
)

var _ = sdk("IamInstanceProfileAssociations", testIamInstanceProfileAssociations)

var associationIDPattern = regexp.MustCompile(`^iip-assoc-[0-9a-f]{17}$`)

// metadataClient is aws-sdk-go-v2's metadata service client for an
// instance, on a listener serving the environment's metadata service.
func (e *env) metadataClient(id string) *sdkimds.Client {
	e.t.Helper()
	srv := httptest.NewServer(e.app.Metadata)
	e.t.Cleanup(srv.Close)
	ep, err := e.app.Metadata.Endpoint(e.ctx, srv.URL, id)
	if err != nil {
		e.t.Fatalf("metadata endpoint of %s: %v", id, err)
	}
	return sdkimds.New(sdkimds.Options{Endpoint: ep, HTTPClient: sdktest.HTTPClient(), Retryer: aws.NopRetryer{}})
}

// metadata reads a metadata path; "" and the HTTP status on failure.
func metadata(t *testing.T, c *sdkimds.Client, path string) (string, int) {
	t.Helper()
	out, err := c.GetMetadata(t.Context(), &sdkimds.GetMetadataInput{Path: path})
	if err != nil {
		var re interface{ HTTPStatusCode() int }
		if errors.As(err, &re) {
			return "", re.HTTPStatusCode()
		}
		t.Fatalf("GetMetadata %s: %v", path, err)
	}
	defer out.Content.Close()
	b, err := io.ReadAll(out.Content)
	if err != nil {
		t.Fatal(err)
	}
	return string(b), 200
}

// testIamInstanceProfileAssociations: associating, replacing and
// disassociating a running instance's profile through the SDK; the
// instance's metadata service and its credentials follow (the role the
// stock credential provider finds, the assumed-role ARN STS reports), as
// does DescribeInstances; an instance holds one association; only the
// caller's associations are seen, paged and filtered.
func testIamInstanceProfileAssociations(t *testing.T, be backend) {
	e := newEnv(t, be)
	p, other := e.party("owner"), e.party("other")
	img := e.register(p, "free image")
	id := e.mustRun(p, img, "t3.micro")
	md := e.metadataClient(id)

	// callerARN is the identity the instance's credentials, as the stock
	// EC2 role provider reads them from the metadata service, act as.
	callerARN := func(t *testing.T) string {
		t.Helper()
		provider := ec2rolecreds.New(func(o *ec2rolecreds.Options) { o.Client = md })
		client := sts.New(sts.Options{HTTPClient: sdktest.HTTPClient(), BaseEndpoint: aws.String(e.url), Region: region,
			Credentials: aws.NewCredentialsCache(provider), RetryMaxAttempts: 1})
		who, err := client.GetCallerIdentity(e.ctx, &sts.GetCallerIdentityInput{})
		noErr(t, err)
		return aws.ToString(who.Arn)
	}
	profileOf := func(t *testing.T, id string) string {
		t.Helper()
		if got := e.in(t).instance(p, id).IamInstanceProfile; got != nil {
			return aws.ToString(got.Arn)
		}
		return ""
	}
	checkAssociation := func(t *testing.T, a *types.IamInstanceProfileAssociation, instanceID, arn string, state types.IamInstanceProfileAssociationState) string {
		t.Helper()
		if a == nil || !associationIDPattern.MatchString(aws.ToString(a.AssociationId)) || aws.ToString(a.InstanceId) != instanceID ||
			a.IamInstanceProfile == nil || aws.ToString(a.IamInstanceProfile.Arn) != arn ||
			!strings.HasPrefix(aws.ToString(a.IamInstanceProfile.Id), "AIPA") || a.State != state || a.Timestamp == nil {
			t.Fatalf("association %+v, want one of %s with %s, %s", a, instanceID, arn, state)
		}
		return aws.ToString(a.AssociationId)
	}
	arnOf := func(name string) string { return "arn:aws:iam::" + p.ID + ":instance-profile/" + name }

	var assoc string
	t.Run("NoProfile", func(t *testing.T) {
		if _, status := metadata(t, md, "iam/"); status != 404 {
			t.Errorf("iam/ of an instance without a profile: HTTP %d, want 404", status)
		}
	})
	t.Run("Associate", func(t *testing.T) {
		out, err := p.EC2.AssociateIamInstanceProfile(e.ctx, &ec2.AssociateIamInstanceProfileInput{InstanceId: aws.String(id),
			IamInstanceProfile: &types.IamInstanceProfileSpecification{Name: aws.String("app-a")}})
		noErr(t, err)
		assoc = checkAssociation(t, out.IamInstanceProfileAssociation, id, arnOf("app-a"), types.IamInstanceProfileAssociationStateAssociating)
		if got := profileOf(t, id); got != arnOf("app-a") {
			t.Errorf("DescribeInstances shows profile %q, want %s", got, arnOf("app-a"))
		}
		if got, _ := metadata(t, md, "iam/security-credentials/"); got != "app-a" {
			t.Errorf("iam/security-credentials/ = %q, want app-a", got)
		}
		if got, want := callerARN(t), "arn:aws:sts::"+p.ID+":assumed-role/app-a/"+id; got != want {
			t.Errorf("the instance's credentials act as %s, want %s", got, want)
		}
	})
	t.Run("OneAtATime", func(t *testing.T) {
		_, err := p.EC2.AssociateIamInstanceProfile(e.ctx, &ec2.AssociateIamInstanceProfileInput{InstanceId: aws.String(id),
			IamInstanceProfile: &types.IamInstanceProfileSpecification{Arn: aws.String(arnOf("app-b"))}})
		if msg := wantCode(t, err, "IncorrectState"); msg != "There is an existing association for instance "+id {
			t.Errorf("message %q", msg)
		}
	})
	t.Run("Replace", func(t *testing.T) {
		arn := "arn:aws:iam::" + p.ID + ":instance-profile/team/app-b"
		out, err := p.EC2.ReplaceIamInstanceProfileAssociation(e.ctx, &ec2.ReplaceIamInstanceProfileAssociationInput{
			AssociationId: aws.String(assoc), IamInstanceProfile: &types.IamInstanceProfileSpecification{Arn: aws.String(arn)}})
		noErr(t, err)
		next := checkAssociation(t, out.IamInstanceProfileAssociation, id, arn, types.IamInstanceProfileAssociationStateAssociating)
		if next == assoc {
			t.Errorf("the replacement kept the association ID %s", assoc)
		}
		if got := profileOf(t, id); got != arn {
			t.Errorf("DescribeInstances shows profile %q, want %s", got, arn)
		}
		if got, _ := metadata(t, md, "iam/security-credentials/"); got != "app-b" {
			t.Errorf("iam/security-credentials/ = %q, want app-b", got)
		}
		if _, status := metadata(t, md, "iam/security-credentials/app-a"); status != 404 {
			t.Errorf("the replaced role's credentials: HTTP %d, want 404", status)
		}
		if got, want := callerARN(t), "arn:aws:sts::"+p.ID+":assumed-role/app-b/"+id; got != want {
			t.Errorf("the instance's credentials act as %s, want %s", got, want)
		}
		_, err = p.EC2.DisassociateIamInstanceProfile(e.ctx, &ec2.DisassociateIamInstanceProfileInput{AssociationId: aws.String(assoc)})
		wantCode(t, err, "InvalidAssociationID.NotFound")
		assoc = next
	})

	// More associations to list: a launch of six with a profile, a stopped
	// instance given one, and another account's.
	launched, err := e.run(p, img, "t3.micro", 6, withProfile("", "fleet"))
	noErr(t, err)
	stopped := e.mustRun(p, img, "t3.micro")
	_, err = p.EC2.StopInstances(e.ctx, &ec2.StopInstancesInput{InstanceIds: []string{stopped}})
	noErr(t, err)
	_, err = p.EC2.AssociateIamInstanceProfile(e.ctx, &ec2.AssociateIamInstanceProfileInput{InstanceId: aws.String(stopped),
		IamInstanceProfile: &types.IamInstanceProfileSpecification{Name: aws.String("fleet")}})
	noErr(t, err)
	theirs := e.mustRunWith(other, e.register(other, "their image"), withProfile("", "fleet"))

	describe := func(t *testing.T, c *ec2.Client, in *ec2.DescribeIamInstanceProfileAssociationsInput) []types.IamInstanceProfileAssociation {
		t.Helper()
		var out []types.IamInstanceProfileAssociation
		pages := ec2.NewDescribeIamInstanceProfileAssociationsPaginator(c, in)
		for pages.HasMorePages() {
			page, err := pages.NextPage(e.ctx)
			noErr(t, err)
			if in.MaxResults != nil && len(page.IamInstanceProfileAssociations) > int(*in.MaxResults) {
				t.Errorf("a page of %d associations, over MaxResults %d", len(page.IamInstanceProfileAssociations), *in.MaxResults)
			}
			out = append(out, page.IamInstanceProfileAssociations...)
		}
		return out
	}
	instancesOf := func(as []types.IamInstanceProfileAssociation) []string {
		var out []string
		for _, a := range as {
			out = append(out, aws.ToString(a.InstanceId))
		}
		slices.Sort(out)
		return out
	}
	var mine []string
	for _, in := range launched.Instances {
		mine = append(mine, aws.ToString(in.InstanceId))
	}
	mine = append(mine, id, stopped)
	slices.Sort(mine)

	t.Run("Describe", func(t *testing.T) {
		all := describe(t, p.EC2, &ec2.DescribeIamInstanceProfileAssociationsInput{})
		if got := instancesOf(all); !slices.Equal(got, mine) {
			t.Errorf("associations of %v, want %v (the caller's only)", got, mine)
		}
		for _, a := range all {
			if a.State != types.IamInstanceProfileAssociationStateAssociated {
				t.Errorf("association %s is %s, want associated", aws.ToString(a.AssociationId), a.State)
			}
		}
		paged := describe(t, p.EC2, &ec2.DescribeIamInstanceProfileAssociationsInput{MaxResults: aws.Int32(5)})
		if got := instancesOf(paged); !slices.Equal(got, mine) {
			t.Errorf("paged by 5: associations of %v, want %v", got, mine)
		}
		one := describe(t, p.EC2, &ec2.DescribeIamInstanceProfileAssociationsInput{AssociationIds: []string{assoc}})
		if len(one) != 1 {
			t.Fatalf("by ID: %d associations", len(one))
		}
		checkAssociation(t, &one[0], id, "arn:aws:iam::"+p.ID+":instance-profile/team/app-b", types.IamInstanceProfileAssociationStateAssociated)
		byInstance := describe(t, p.EC2, &ec2.DescribeIamInstanceProfileAssociationsInput{Filters: []types.Filter{
			{Name: aws.String("instance-id"), Values: []string{stopped, theirs}}}})
		if got := instancesOf(byInstance); !slices.Equal(got, []string{stopped}) {
			t.Errorf("by instance: %v, want %s", got, stopped)
		}
		for state, want := range map[string]int{"associated": len(mine), "associating": 0, "disassociated": 0, "*associated": len(mine)} {
			got := describe(t, p.EC2, &ec2.DescribeIamInstanceProfileAssociationsInput{Filters: []types.Filter{
				{Name: aws.String("state"), Values: []string{state}}}})
			if len(got) != want {
				t.Errorf("state %s: %d associations, want %d", state, len(got), want)
			}
		}
		_, err := p.EC2.DescribeIamInstanceProfileAssociations(e.ctx, &ec2.DescribeIamInstanceProfileAssociationsInput{
			AssociationIds: []string{"iip-assoc-0123456789abcdef0"}})
		wantCode(t, err, "InvalidAssociationID.NotFound")
		_, err = other.EC2.DescribeIamInstanceProfileAssociations(e.ctx, &ec2.DescribeIamInstanceProfileAssociationsInput{
			AssociationIds: []string{assoc}})
		wantCode(t, err, "InvalidAssociationID.NotFound")
		if got := instancesOf(describe(t, other.EC2, &ec2.DescribeIamInstanceProfileAssociationsInput{})); !slices.Equal(got, []string{theirs}) {
			t.Errorf("the other account sees associations of %v, want only %s", got, theirs)
		}
	})
	t.Run("OtherAccount", func(t *testing.T) {
		_, err := other.EC2.DisassociateIamInstanceProfile(e.ctx, &ec2.DisassociateIamInstanceProfileInput{AssociationId: aws.String(assoc)})
		wantCode(t, err, "InvalidAssociationID.NotFound")
		_, err = other.EC2.ReplaceIamInstanceProfileAssociation(e.ctx, &ec2.ReplaceIamInstanceProfileAssociationInput{
			AssociationId: aws.String(assoc), IamInstanceProfile: &types.IamInstanceProfileSpecification{Name: aws.String("theirs")}})
		wantCode(t, err, "InvalidAssociationID.NotFound")
		_, err = other.EC2.AssociateIamInstanceProfile(e.ctx, &ec2.AssociateIamInstanceProfileInput{InstanceId: aws.String(stopped),
			IamInstanceProfile: &types.IamInstanceProfileSpecification{Name: aws.String("theirs")}})
		wantCode(t, err, "InvalidInstanceID.NotFound")
		// A profile in another account than the instance's owner's.
		_, err = p.EC2.ReplaceIamInstanceProfileAssociation(e.ctx, &ec2.ReplaceIamInstanceProfileAssociationInput{
			AssociationId: aws.String(assoc), IamInstanceProfile: &types.IamInstanceProfileSpecification{
				Arn: aws.String("arn:aws:iam::" + other.ID + ":instance-profile/theirs")}})
		wantCode(t, err, "InvalidParameterValue")
	})
	t.Run("Disassociate", func(t *testing.T) {
		out, err := p.EC2.DisassociateIamInstanceProfile(e.ctx, &ec2.DisassociateIamInstanceProfileInput{AssociationId: aws.String(assoc)})
		noErr(t, err)
		if got := checkAssociation(t, out.IamInstanceProfileAssociation, id, "arn:aws:iam::"+p.ID+":instance-profile/team/app-b",
			types.IamInstanceProfileAssociationStateDisassociating); got != assoc {
			t.Errorf("disassociated %s, want %s", got, assoc)
		}
		if got := profileOf(t, id); got != "" {
			t.Errorf("DescribeInstances shows profile %q after the disassociation", got)
		}
		for _, path := range []string{"iam/", "iam/info", "iam/security-credentials/", "iam/security-credentials/app-b"} {
			if _, status := metadata(t, md, path); status != 404 {
				t.Errorf("%s after the disassociation: HTTP %d, want 404", path, status)
			}
		}
		if _, err := e.app.InstanceCredentials.Issue(e.ctx, id, "app-b"); !fault.Is(err, fault.NotFound) {
			t.Errorf("Issue after the disassociation: %v, want NotFound", err)
		}
		_, err = p.EC2.DisassociateIamInstanceProfile(e.ctx, &ec2.DisassociateIamInstanceProfileInput{AssociationId: aws.String(assoc)})
		wantCode(t, err, "InvalidAssociationID.NotFound")
		got := describe(t, p.EC2, &ec2.DescribeIamInstanceProfileAssociationsInput{Filters: []types.Filter{
			{Name: aws.String("instance-id"), Values: []string{id}}}})
		if len(got) != 0 {
			t.Errorf("associations of the disassociated instance: %+v", got)
		}
		// Associating again works, and the credentials follow.
		_, err = p.EC2.AssociateIamInstanceProfile(e.ctx, &ec2.AssociateIamInstanceProfileInput{InstanceId: aws.String(id),
			IamInstanceProfile: &types.IamInstanceProfileSpecification{Name: aws.String("app-c")}})
		noErr(t, err)
		if got, want := callerARN(t), "arn:aws:sts::"+p.ID+":assumed-role/app-c/"+id; got != want {
			t.Errorf("the instance's credentials act as %s, want %s", got, want)
		}
	})
	t.Run("Terminated", func(t *testing.T) {
		gone := aws.ToString(launched.Instances[0].InstanceId)
		found := describe(t, p.EC2, &ec2.DescribeIamInstanceProfileAssociationsInput{Filters: []types.Filter{
			{Name: aws.String("instance-id"), Values: []string{gone}}}})
		if len(found) != 1 {
			t.Fatalf("associations of %s: %+v", gone, found)
		}
		bare := e.in(t).mustRun(p, img, "t3.micro")
		_, err := p.EC2.TerminateInstances(e.ctx, &ec2.TerminateInstancesInput{InstanceIds: []string{gone, bare}})
		noErr(t, err)
		_, err = p.EC2.AssociateIamInstanceProfile(e.ctx, &ec2.AssociateIamInstanceProfileInput{InstanceId: aws.String(bare),
			IamInstanceProfile: &types.IamInstanceProfileSpecification{Name: aws.String("fleet")}})
		wantCode(t, err, "IncorrectInstanceState")
		_, err = p.EC2.DisassociateIamInstanceProfile(e.ctx, &ec2.DisassociateIamInstanceProfileInput{AssociationId: found[0].AssociationId})
		wantCode(t, err, "InvalidAssociationID.NotFound")
		if got := describe(t, p.EC2, &ec2.DescribeIamInstanceProfileAssociationsInput{Filters: []types.Filter{
			{Name: aws.String("instance-id"), Values: []string{gone}}}}); len(got) != 0 {
			t.Errorf("a terminated instance's association is listed: %+v", got)
		}
	})
	t.Run("Concurrent", func(t *testing.T) {
		// Associations raced for one instance: one is made, the others
		// are refused, whatever the interleaving.
		target := e.in(t).mustRun(p, img, "t3.micro")
		const n = 8
		errs := make(chan error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				_, err := p.EC2.AssociateIamInstanceProfile(e.ctx, &ec2.AssociateIamInstanceProfileInput{InstanceId: aws.String(target),
					IamInstanceProfile: &types.IamInstanceProfileSpecification{Name: aws.String(fmt.Sprintf("racer-%d", i))}})
				errs <- err
			})
		}
		wg.Wait()
		close(errs)
		made := 0
		for err := range errs {
			if err == nil {
				made++
				continue
			}
			wantCode(t, err, "IncorrectState")
		}
		got := describe(t, p.EC2, &ec2.DescribeIamInstanceProfileAssociationsInput{Filters: []types.Filter{
			{Name: aws.String("instance-id"), Values: []string{target}}}})
		if made != 1 || len(got) != 1 {
			t.Errorf("%d associations made, %d listed; want 1", made, len(got))
		}
	})
	t.Run("Refusals", func(t *testing.T) {
		for _, tc := range []struct {
			name string
			call func() error
			code string
		}{
			{"UnknownInstance", func() error {
				_, err := p.EC2.AssociateIamInstanceProfile(e.ctx, &ec2.AssociateIamInstanceProfileInput{InstanceId: aws.String("i-0123456789abcdef0"),
					IamInstanceProfile: &types.IamInstanceProfileSpecification{Name: aws.String("x")}})
				return err
			}, "InvalidInstanceID.NotFound"},
			{"MalformedInstance", func() error {
				_, err := p.EC2.AssociateIamInstanceProfile(e.ctx, &ec2.AssociateIamInstanceProfileInput{InstanceId: aws.String("i-xyz"),
					IamInstanceProfile: &types.IamInstanceProfileSpecification{Name: aws.String("x")}})
				return err
			}, "InvalidInstanceID.Malformed"},
			{"EmptyProfile", func() error {
				_, err := p.EC2.AssociateIamInstanceProfile(e.ctx, &ec2.AssociateIamInstanceProfileInput{InstanceId: aws.String(stopped),
					IamInstanceProfile: &types.IamInstanceProfileSpecification{}})
				return err
			}, "MissingParameter"},
			{"BadProfileName", func() error {
				_, err := p.EC2.AssociateIamInstanceProfile(e.ctx, &ec2.AssociateIamInstanceProfileInput{InstanceId: aws.String(stopped),
					IamInstanceProfile: &types.IamInstanceProfileSpecification{Name: aws.String("no spaces")}})
				return err
			}, "InvalidParameterValue"},
			{"MalformedAssociation", func() error {
				_, err := p.EC2.DisassociateIamInstanceProfile(e.ctx, &ec2.DisassociateIamInstanceProfileInput{AssociationId: aws.String("iip-assoc-1")})
				return err
			}, "InvalidParameterValue"},
			{"SmallPage", func() error {
				_, err := p.EC2.DescribeIamInstanceProfileAssociations(e.ctx, &ec2.DescribeIamInstanceProfileAssociationsInput{MaxResults: aws.Int32(4)})
				return err
			}, "InvalidParameterValue"},
			{"LargePage", func() error {
				_, err := p.EC2.DescribeIamInstanceProfileAssociations(e.ctx, &ec2.DescribeIamInstanceProfileAssociationsInput{MaxResults: aws.Int32(1001)})
				return err
			}, "InvalidParameterValue"},
		} {
			t.Run(tc.name, func(t *testing.T) { wantCode(t, tc.call(), tc.code) })
		}
	})
}
