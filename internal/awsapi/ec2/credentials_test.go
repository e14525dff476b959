package ec2_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/licensemanager"
	lmtypes "github.com/aws/aws-sdk-go-v2/service/licensemanager/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/tollgate/tollgate/internal/account"
	"github.com/tollgate/tollgate/internal/catalog"
	"github.com/tollgate/tollgate/internal/fault"
	"github.com/tollgate/tollgate/internal/sdktest"
	"github.com/tollgate/tollgate/internal/subscription"
)

var (
	_ = sdk("InstanceProfiles", testInstanceProfiles)
	_ = sdk("InstanceCredentials", testInstanceCredentials)
)

// withProfile launches with an IAM instance profile.
func withProfile(arn, name string) func(*ec2.RunInstancesInput) {
	return func(in *ec2.RunInstancesInput) {
		in.IamInstanceProfile = &types.IamInstanceProfileSpecification{}
		if arn != "" {
			in.IamInstanceProfile.Arn = aws.String(arn)
		}
		if name != "" {
			in.IamInstanceProfile.Name = aws.String(name)
		}
	}
}

// testInstanceProfiles: a launch names its profile by name or ARN, in the
// launcher's account; DescribeInstances shows it with a fixed ID and
// filters by it; the metadata service's role is named after it.
func testInstanceProfiles(t *testing.T, be backend) {
	e := newEnv(t, be)
	p, other := e.party("owner"), e.party("other")
	img := e.register(p, "free image")
	arn := "arn:aws:iam::" + p.ID + ":instance-profile/team/seller-app"
	for _, tc := range []struct {
		name      string
		arn, pick string
		wantARN   string
	}{
		{"ByName", "", "seller-app", "arn:aws:iam::" + p.ID + ":instance-profile/seller-app"},
		{"ByARN", arn, "", arn},
		{"ByBoth", arn, "seller-app", arn},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, err := e.run(p, img, "t3.micro", 1, withProfile(tc.arn, tc.pick))
			noErr(t, err)
			id := aws.ToString(out.Instances[0].InstanceId)
			for _, got := range []*types.IamInstanceProfile{out.Instances[0].IamInstanceProfile, e.in(t).instance(p, id).IamInstanceProfile} {
				if got == nil || aws.ToString(got.Arn) != tc.wantARN || !strings.HasPrefix(aws.ToString(got.Id), "AIPA") || len(aws.ToString(got.Id)) != 21 {
					t.Fatalf("profile %+v, want ARN %s and an AIPA ID", got, tc.wantARN)
				}
			}
			role, err := e.app.InstanceCredentials.Role(e.ctx, id)
			if err != nil || role != "seller-app" {
				t.Errorf("Role = %q, %v; want seller-app", role, err)
			}
		})
	}
	t.Run("SameIDForSameProfile", func(t *testing.T) {
		a, b := e.in(t).mustRunWith(p, img, withProfile(arn, "")), e.in(t).mustRunWith(p, img, withProfile(arn, ""))
		if x, y := e.in(t).instance(p, a).IamInstanceProfile.Id, e.in(t).instance(p, b).IamInstanceProfile.Id; aws.ToString(x) != aws.ToString(y) {
			t.Errorf("profile IDs %s and %s differ", aws.ToString(x), aws.ToString(y))
		}
	})
	t.Run("Filter", func(t *testing.T) {
		out, err := p.EC2.DescribeInstances(e.ctx, &ec2.DescribeInstancesInput{Filters: []types.Filter{
			{Name: aws.String("iam-instance-profile.arn"), Values: []string{"*/team/*"}}}})
		noErr(t, err)
		n := 0
		for _, r := range out.Reservations {
			for _, in := range r.Instances {
				n++
				if aws.ToString(in.IamInstanceProfile.Arn) != arn {
					t.Errorf("filtered in %s with profile %s", aws.ToString(in.InstanceId), aws.ToString(in.IamInstanceProfile.Arn))
				}
			}
		}
		if n != 4 { // ByARN, ByBoth, SameIDForSameProfile's two
			t.Errorf("%d instances with the team profile, want 4", n)
		}
	})
	t.Run("NoProfile", func(t *testing.T) {
		id := e.in(t).mustRun(p, img, "t3.micro")
		if got := e.in(t).instance(p, id).IamInstanceProfile; got != nil {
			t.Errorf("profile %+v on an instance launched without one", got)
		}
		role, err := e.app.InstanceCredentials.Role(e.ctx, id)
		if err != nil || role != "" {
			t.Errorf("Role = %q, %v; want none", role, err)
		}
		_, err = e.app.InstanceCredentials.Issue(e.ctx, id, "seller-app")
		if !fault.Is(err, fault.NotFound) {
			t.Errorf("Issue without a profile: %v, want NotFound", err)
		}
	})
	t.Run("Refusals", func(t *testing.T) {
		for _, tc := range []struct {
			name, arn, pick, code string
		}{
			{"OtherAccount", "arn:aws:iam::" + other.ID + ":instance-profile/seller-app", "", "InvalidParameterValue"},
			{"NotAProfile", "arn:aws:iam::" + p.ID + ":role/seller-app", "", "InvalidParameterValue"},
			{"BadName", "", "seller app", "InvalidParameterValue"},
			{"NameTooLong", "", strings.Repeat("a", 65), "InvalidParameterValue"},
			{"HugeARN", "arn:aws:iam::" + p.ID + ":instance-profile/" + strings.Repeat("a/", 5000) + "x", "", "InvalidParameterValue"},
			{"NameAndARNDiffer", arn, "other-app", "InvalidParameterCombination"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				_, err := e.run(p, img, "t3.micro", 1, withProfile(tc.arn, tc.pick))
				wantCode(t, err, tc.code)
			})
		}
	})
}

// mustRunWith launches one t3.micro instance with opts and returns its ID.
func (e *env) mustRunWith(p party, imageID string, opts ...func(*ec2.RunInstancesInput)) string {
	e.t.Helper()
	out, err := e.run(p, imageID, "t3.micro", 1, opts...)
	if err != nil {
		e.t.Fatalf("RunInstances %s: %v", imageID, err)
	}
	return aws.ToString(out.Instances[0].InstanceId)
}

// instanceClients are stock clients signing with an instance's
// credentials.
type instanceClients struct {
	STS *sts.Client
	EC2 *ec2.Client
	LM  *licensemanager.Client
}

func (e *env) clientsOf(key account.AccessKey) instanceClients {
	creds := credentials.NewStaticCredentialsProvider(key.ID, key.Secret, key.Role.Token)
	return instanceClients{
		STS: sts.New(sts.Options{HTTPClient: sdktest.HTTPClient(), BaseEndpoint: aws.String(e.url), Region: region, Credentials: creds, RetryMaxAttempts: 1}),
		EC2: ec2.New(ec2.Options{HTTPClient: sdktest.HTTPClient(), BaseEndpoint: aws.String(e.url), Region: region, Credentials: creds, RetryMaxAttempts: 1}),
		LM:  licensemanager.New(licensemanager.Options{HTTPClient: sdktest.HTTPClient(), BaseEndpoint: aws.String(e.url), Region: region, Credentials: creds, RetryMaxAttempts: 1}),
	}
}

// testInstanceCredentials: a running instance's credentials act as its
// owner with the account's full rights (a contract checkout, the owner's
// instances) and name the instance; polling serves the same ones; a stop
// leaves them working but issues none; termination ends them at once in
// every service, and expiry on the injected clock ends them too.
func testInstanceCredentials(t *testing.T, be backend) {
	e := newEnv(t, be)
	seller, buyer := e.party("seller"), e.party("buyer")
	img := e.register(buyer, "buyer's image")
	id := e.mustRunWith(buyer, img, withProfile("", "seller-app"))
	contract := e.product(seller, catalog.Contract)
	if _, err := e.app.Subscriptions.Subscribe(e.ctx, buyer.ID, subscription.SubscribeInput{ProductCode: contract.Code,
		Contract: &subscription.ContractInput{Duration: "P1M", Quantities: map[string]int64{"Seats": 2}}}); err != nil {
		t.Fatal(err)
	}
	creds := e.app.InstanceCredentials
	key, err := creds.Issue(e.ctx, id, "seller-app")
	noErr(t, err)
	if !strings.HasPrefix(key.ID, "ASIA") || key.Role.Token == "" || !key.Role.Expires.Equal(e.now().Add(account.InstanceSessionDuration)) {
		t.Errorf("credentials %s expiring %s (now %s), token %d characters", key.ID, key.Role.Expires, e.now(), len(key.Role.Token))
	}
	c := e.clientsOf(key)
	checkouts := 0
	checkout := func(t *testing.T, c instanceClients) error {
		checkouts++
		_, err := c.LM.CheckoutLicense(e.ctx, &licensemanager.CheckoutLicenseInput{ProductSKU: aws.String(contract.ID),
			CheckoutType: lmtypes.CheckoutTypeProvisional, KeyFingerprint: aws.String(e.app.Licenses.MarketplaceFingerprint()),
			ClientToken:  aws.String(fmt.Sprintf("checkout-%d", checkouts)),
			Entitlements: []lmtypes.EntitlementData{{Name: aws.String("Seats"), Unit: lmtypes.EntitlementDataUnitCount, Value: aws.String("1")}}})
		return err
	}
	works := func(t *testing.T, c instanceClients) {
		t.Helper()
		who, err := c.STS.GetCallerIdentity(e.ctx, &sts.GetCallerIdentityInput{})
		noErr(t, err)
		if want := "arn:aws:sts::" + buyer.ID + ":assumed-role/seller-app/" + id; aws.ToString(who.Arn) != want || aws.ToString(who.Account) != buyer.ID {
			t.Errorf("caller %s of %s, want %s of the buyer", aws.ToString(who.Arn), aws.ToString(who.Account), want)
		}
		out, err := c.EC2.DescribeInstances(e.ctx, &ec2.DescribeInstancesInput{InstanceIds: []string{id}})
		noErr(t, err)
		if len(out.Reservations) != 1 {
			t.Errorf("the instance's own credentials do not see it: %+v", out.Reservations)
		}
	}

	works(t, c)
	noErr(t, checkout(t, c))
	t.Run("PolledAgain", func(t *testing.T) {
		e.advance(account.InstanceSessionDuration - account.InstanceSessionRenewal - time.Second)
		again, err := creds.Issue(e.ctx, id, "seller-app")
		noErr(t, err)
		if again.ID != key.ID || again.Secret != key.Secret || again.Role.Token != key.Role.Token {
			t.Errorf("polled again: %s, want the same credentials %s", again.ID, key.ID)
		}
		_, err = creds.Issue(e.ctx, id, "other-role")
		if !fault.Is(err, fault.NotFound) {
			t.Errorf("another role: %v, want NotFound", err)
		}
	})
	t.Run("Renewed", func(t *testing.T) {
		e.advance(time.Second)
		next, err := creds.Issue(e.ctx, id, "seller-app")
		noErr(t, err)
		if next.ID == key.ID {
			t.Fatalf("credentials with an hour left were served again")
		}
		works(t, c) // the old ones work until they expire
		works(t, e.clientsOf(next))
		key = next
	})
	t.Run("Stopped", func(t *testing.T) {
		_, err := buyer.EC2.StopInstances(e.ctx, &ec2.StopInstancesInput{InstanceIds: []string{id}})
		noErr(t, err)
		works(t, e.clientsOf(key))
		if _, err := creds.Issue(e.ctx, id, "seller-app"); !fault.Is(err, fault.Conflict) {
			t.Errorf("Issue while stopped: %v, want IncorrectInstanceState", err)
		}
		_, err = buyer.EC2.StartInstances(e.ctx, &ec2.StartInstancesInput{InstanceIds: []string{id}})
		noErr(t, err)
		again, err := creds.Issue(e.ctx, id, "seller-app")
		noErr(t, err)
		if again.ID != key.ID {
			t.Errorf("after a restart: %s, want the current session %s", again.ID, key.ID)
		}
	})
	t.Run("Terminated", func(t *testing.T) {
		c := e.clientsOf(key)
		_, err := buyer.EC2.TerminateInstances(e.ctx, &ec2.TerminateInstancesInput{InstanceIds: []string{id}})
		noErr(t, err)
		_, err = c.STS.GetCallerIdentity(e.ctx, &sts.GetCallerIdentityInput{})
		wantCode(t, err, "InvalidClientTokenId")
		_, err = c.EC2.DescribeInstances(e.ctx, &ec2.DescribeInstancesInput{})
		if msg := wantCode(t, err, "AuthFailure"); !strings.Contains(msg, id+" has terminated") {
			t.Errorf("message %q does not say the instance terminated", msg)
		}
		wantCode(t, checkout(t, c), "UnrecognizedClientException")
		if _, err := creds.Issue(e.ctx, id, "seller-app"); !fault.Is(err, fault.Conflict) {
			t.Errorf("Issue after termination: %v, want IncorrectInstanceState", err)
		}
	})
	t.Run("Expired", func(t *testing.T) {
		id := e.in(t).mustRunWith(buyer, img, withProfile("", "seller-app"))
		key, err := creds.Issue(e.ctx, id, "seller-app")
		noErr(t, err)
		c := e.clientsOf(key)
		e.in(t).advance(account.InstanceSessionDuration - time.Second)
		_, err = c.STS.GetCallerIdentity(e.ctx, &sts.GetCallerIdentityInput{})
		noErr(t, err)
		e.in(t).advance(time.Second)
		_, err = c.STS.GetCallerIdentity(e.ctx, &sts.GetCallerIdentityInput{})
		wantCode(t, err, "ExpiredTokenException")
		_, err = c.EC2.DescribeInstances(e.ctx, &ec2.DescribeInstancesInput{})
		wantCode(t, err, "ExpiredTokenException")
	})
}
