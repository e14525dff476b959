package ec2_test

import (
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/google/go-cmp/cmp"

	"github.com/tollgate/tollgate/internal/catalog"
	"github.com/tollgate/tollgate/internal/compute"
)

var (
	_ = sdk("PaidLaunch", testPaidLaunch)
	_ = sdk("InstanceLifecycle", testInstanceLifecycle)
	_ = sdk("InstanceRefusals", testInstanceRefusals)
	_ = sdk("InstanceFilters", testInstanceFilters)
	_ = sdk("InstanceIdempotency", testInstanceIdempotency)
	_ = sdk("InstanceMetadataOptions", testInstanceMetadataOptions)
)

// run launches count instances of an image as p.
func (e *env) run(p party, imageID, instanceType string, count int32, opts ...func(*ec2.RunInstancesInput)) (*ec2.RunInstancesOutput, error) {
	in := &ec2.RunInstancesInput{ImageId: aws.String(imageID), InstanceType: types.InstanceType(instanceType),
		MinCount: aws.Int32(count), MaxCount: aws.Int32(count)}
	for _, o := range opts {
		o(in)
	}
	return p.EC2.RunInstances(e.ctx, in)
}

// mustRun launches one instance and returns its ID.
func (e *env) mustRun(p party, imageID, instanceType string) string {
	e.t.Helper()
	out, err := e.run(p, imageID, instanceType, 1)
	if err != nil {
		e.t.Fatalf("RunInstances %s: %v", imageID, err)
	}
	return aws.ToString(out.Instances[0].InstanceId)
}

// instance describes one instance as p.
func (e *env) instance(p party, id string) types.Instance {
	e.t.Helper()
	out, err := p.EC2.DescribeInstances(e.ctx, &ec2.DescribeInstancesInput{InstanceIds: []string{id}})
	if err != nil {
		e.t.Fatalf("DescribeInstances %s: %v", id, err)
	}
	if len(out.Reservations) != 1 || len(out.Reservations[0].Instances) != 1 {
		e.t.Fatalf("DescribeInstances %s: %+v", id, out.Reservations)
	}
	return out.Reservations[0].Instances[0]
}

// share shares an image with accounts as its owner.
func (e *env) share(owner party, id string, with ...party) {
	e.t.Helper()
	var perms []types.LaunchPermission
	for _, p := range with {
		perms = append(perms, types.LaunchPermission{UserId: aws.String(p.ID)})
	}
	_, err := owner.EC2.ModifyImageAttribute(e.ctx, &ec2.ModifyImageAttributeInput{ImageId: aws.String(id),
		LaunchPermission: &types.LaunchPermissionModifications{Add: perms}})
	if err != nil {
		e.t.Fatalf("sharing %s: %v", id, err)
	}
}

func confirm(e *env, p party, instanceID, code string) (*ec2.ConfirmProductInstanceOutput, error) {
	return p.EC2.ConfirmProductInstance(e.ctx, &ec2.ConfirmProductInstanceInput{InstanceId: aws.String(instanceID), ProductCode: aws.String(code)})
}

// testPaidLaunch is the paid-image flow of seeds 000 and 001: the seller
// registers an image, attaches its code and shares it; the buyer's launch
// is refused until it subscribes; the seller confirms the buyer's
// instance; a cancelled subscription launches nothing more.
func testPaidLaunch(t *testing.T, be backend) {
	e := newEnv(t, be)
	seller, buyer, stranger := e.party("seller"), e.party("buyer"), e.party("stranger")
	product := e.product(seller, catalog.PaidImage)
	img := e.register(seller, "paid image")
	noErr(t, e.attach(seller, img, product.Code))
	e.share(seller, img, buyer)

	_, err := e.run(buyer, img, "m5.large", 1)
	msg := wantCode(t, err, "OptInRequired")
	if !strings.Contains(msg, e.url+"/purchase/"+product.Code) {
		t.Errorf("OptInRequired message %q does not name the purchase URL", msg)
	}
	_, err = e.run(stranger, img, "m5.large", 1)
	wantCode(t, err, "InvalidAMIID.NotFound")

	sub := e.subscribe(buyer, product.Code)
	out, err := e.run(buyer, img, "m5.large", 1)
	noErr(t, err)
	launched := out.Instances[0]
	id := aws.ToString(launched.InstanceId)
	wantCodes := []types.ProductCode{{ProductCodeId: aws.String(product.Code), ProductCodeType: types.ProductCodeValuesMarketplace}}
	if diff := cmp.Diff(wantCodes, launched.ProductCodes, ignoreUnexported); diff != "" || launched.State.Name != types.InstanceStateNamePending {
		t.Errorf("launched %s in state %s, product codes (-want +got):\n%s", id, launched.State.Name, diff)
	}
	if aws.ToString(out.OwnerId) != buyer.ID {
		t.Errorf("reservation owner %s, want the buyer", aws.ToString(out.OwnerId))
	}
	got := e.instance(buyer, id)
	if diff := cmp.Diff(wantCodes, got.ProductCodes, ignoreUnexported); diff != "" || got.State.Name != types.InstanceStateNameRunning {
		t.Errorf("described in state %s, product codes (-want +got):\n%s", got.State.Name, diff)
	}

	t.Run("InstanceTypeOutsideTheProduct", func(t *testing.T) {
		_, err := e.run(buyer, img, "m5.2xlarge", 1)
		wantCode(t, err, "InvalidParameterCombination")
	})
	t.Run("Confirm", func(t *testing.T) {
		c, err := confirm(e, seller, id, product.Code)
		noErr(t, err)
		if !aws.ToBool(c.Return) || aws.ToString(c.OwnerId) != buyer.ID {
			t.Errorf("seller's confirmation: return %v, owner %q; want true and the buyer", aws.ToBool(c.Return), aws.ToString(c.OwnerId))
		}
		_, err = confirm(e, buyer, id, product.Code)
		wantCode(t, err, "AuthFailure")
		_, err = confirm(e, seller, id, "nosuchcode000000000")
		wantCode(t, err, "AuthFailure")
		// Instances without the code, and instances that do not exist,
		// are all "no", with no owner.
		free := e.register(stranger, "free image")
		freeID := e.mustRun(stranger, free, "t3.micro")
		for _, other := range []string{freeID, "i-0123456789abcdef0"} {
			c, err := confirm(e, seller, other, product.Code)
			noErr(t, err)
			if aws.ToBool(c.Return) || c.OwnerId != nil {
				t.Errorf("confirmation of %s: return %v, owner %q", other, aws.ToBool(c.Return), aws.ToString(c.OwnerId))
			}
		}
		_, err = confirm(e, seller, "i-bad", product.Code)
		wantCode(t, err, "InvalidInstanceID.Malformed")
	})
	t.Run("Cancelled", func(t *testing.T) {
		stopped := e.mustRun(buyer, img, "m5.xlarge")
		_, err := buyer.EC2.StopInstances(e.ctx, &ec2.StopInstancesInput{InstanceIds: []string{stopped}})
		noErr(t, err)
		if _, err := e.app.Subscriptions.Cancel(e.ctx, buyer.ID, sub.ID); err != nil {
			t.Fatalf("cancel: %v", err)
		}
		_, err = e.run(buyer, img, "m5.large", 1)
		wantCode(t, err, "OptInRequired")
		_, err = buyer.EC2.StartInstances(e.ctx, &ec2.StartInstancesInput{InstanceIds: []string{stopped}})
		wantCode(t, err, "OptInRequired")
		if got := e.instance(buyer, id); got.State.Name != types.InstanceStateNameRunning {
			t.Errorf("the running instance is %s", got.State.Name)
		}
		c, err := confirm(e, seller, id, product.Code)
		noErr(t, err)
		if !aws.ToBool(c.Return) {
			t.Errorf("the running instance is no longer confirmed")
		}
	})
	t.Run("SupportedImage", func(t *testing.T) {
		supported := e.product(seller, catalog.SupportedImage)
		e.subscribe(buyer, supported.Code)
		own := e.register(buyer, "buyer's own image")
		noErr(t, e.attach(buyer, own, supported.Code))
		id := e.mustRun(buyer, own, "m5.large")
		want := []types.ProductCode{{ProductCodeId: aws.String(supported.Code), ProductCodeType: types.ProductCodeValuesDevpay}}
		if diff := cmp.Diff(want, e.instance(buyer, id).ProductCodes, ignoreUnexported); diff != "" {
			t.Errorf("product codes (-want +got):\n%s", diff)
		}
		c, err := confirm(e, seller, id, supported.Code)
		noErr(t, err)
		if !aws.ToBool(c.Return) || aws.ToString(c.OwnerId) != buyer.ID {
			t.Errorf("confirmation: %v %q", aws.ToBool(c.Return), aws.ToString(c.OwnerId))
		}
	})
}

// intervals returns the account's running intervals over all time.
func (e *env) intervals(account string) []compute.Interval {
	e.t.Helper()
	ivs, err := e.app.Instances.Intervals(e.ctx, account, time.Unix(0, 0), e.now().Add(time.Hour))
	if err != nil {
		e.t.Fatalf("Intervals: %v", err)
	}
	return ivs
}

// advance moves the simulated clock.
func (e *env) advance(d time.Duration) time.Time {
	e.t.Helper()
	now, err := e.app.Simulated.Advance(e.ctx, d)
	if err != nil {
		e.t.Fatalf("advancing the clock by %s: %v", d, err)
	}
	return now
}

func stateNames(changes []types.InstanceStateChange) []string {
	var out []string
	for _, c := range changes {
		out = append(out, aws.ToString(c.InstanceId)+" "+string(c.PreviousState.Name)+"->"+string(c.CurrentState.Name))
	}
	return out
}

func testInstanceLifecycle(t *testing.T, be backend) {
	e := newEnv(t, be)
	p := e.party("owner")
	img := e.register(p, "free image")
	t0 := e.now()
	out, err := e.run(p, img, "t3.micro", 0, func(in *ec2.RunInstancesInput) {
		in.MinCount, in.MaxCount = aws.Int32(2), aws.Int32(3)
		in.TagSpecifications = []types.TagSpecification{{ResourceType: types.ResourceTypeInstance, Tags: []types.Tag{kv("Name", "web")}}}
	})
	noErr(t, err)
	if len(out.Instances) != 3 {
		t.Fatalf("launched %d instances, want MaxCount", len(out.Instances))
	}
	var ids []string
	for i, in := range out.Instances {
		ids = append(ids, aws.ToString(in.InstanceId))
		if aws.ToInt32(in.AmiLaunchIndex) != int32(i) || aws.ToString(in.Placement.AvailabilityZone) != "us-east-1a" ||
			len(in.BlockDeviceMappings) != 1 || !strings.HasPrefix(aws.ToString(in.BlockDeviceMappings[0].Ebs.VolumeId), "vol-") ||
			!in.LaunchTime.Equal(t0.Truncate(time.Millisecond)) || len(in.Tags) != 1 || aws.ToString(in.PrivateIpAddress) == "" {
			t.Errorf("instance %d: %+v", i, in)
		}
	}
	a, b, c := ids[0], ids[1], ids[2]

	t1 := e.advance(time.Hour)
	stop, err := p.EC2.StopInstances(e.ctx, &ec2.StopInstancesInput{InstanceIds: []string{a}})
	noErr(t, err)
	if diff := cmp.Diff([]string{a + " running->stopping"}, stateNames(stop.StoppingInstances)); diff != "" {
		t.Errorf("stop (-want +got):\n%s", diff)
	}
	if got := e.instance(p, a); got.State.Name != types.InstanceStateNameStopped || aws.ToInt32(got.State.Code) != 80 {
		t.Errorf("stopped instance: %+v", got.State)
	}
	stop, err = p.EC2.StopInstances(e.ctx, &ec2.StopInstancesInput{InstanceIds: []string{a}})
	noErr(t, err)
	if diff := cmp.Diff([]string{a + " stopped->stopped"}, stateNames(stop.StoppingInstances)); diff != "" {
		t.Errorf("stop again (-want +got):\n%s", diff)
	}
	_, err = p.EC2.RebootInstances(e.ctx, &ec2.RebootInstancesInput{InstanceIds: []string{a}})
	wantCode(t, err, "IncorrectInstanceState")

	t2 := e.advance(30 * time.Minute)
	start, err := p.EC2.StartInstances(e.ctx, &ec2.StartInstancesInput{InstanceIds: []string{a, b}})
	noErr(t, err)
	if diff := cmp.Diff([]string{a + " stopped->pending", b + " running->running"}, stateNames(start.StartingInstances)); diff != "" {
		t.Errorf("start (-want +got):\n%s", diff)
	}
	if got := e.instance(p, a); got.State.Name != types.InstanceStateNameRunning || !got.LaunchTime.Equal(t2.Truncate(time.Millisecond)) {
		t.Errorf("restarted instance: %+v at %v", got.State, got.LaunchTime)
	}
	_, err = p.EC2.RebootInstances(e.ctx, &ec2.RebootInstancesInput{InstanceIds: []string{a, b}})
	noErr(t, err)

	t3 := e.advance(15 * time.Minute)
	term, err := p.EC2.TerminateInstances(e.ctx, &ec2.TerminateInstancesInput{InstanceIds: []string{a, b, c}})
	noErr(t, err)
	want := []string{a + " running->shutting-down", b + " running->shutting-down", c + " running->shutting-down"}
	if diff := cmp.Diff(want, stateNames(term.TerminatingInstances)); diff != "" {
		t.Errorf("terminate (-want +got):\n%s", diff)
	}
	term, err = p.EC2.TerminateInstances(e.ctx, &ec2.TerminateInstancesInput{InstanceIds: []string{c}})
	noErr(t, err)
	if diff := cmp.Diff([]string{c + " terminated->terminated"}, stateNames(term.TerminatingInstances)); diff != "" {
		t.Errorf("terminate again (-want +got):\n%s", diff)
	}
	got := e.instance(p, c)
	if got.State.Name != types.InstanceStateNameTerminated || aws.ToString(got.StateReason.Code) != "Client.UserInitiatedShutdown" || len(got.BlockDeviceMappings) != 0 {
		t.Errorf("terminated instance: %+v, reason %+v", got.State, got.StateReason)
	}
	_, err = p.EC2.StartInstances(e.ctx, &ec2.StartInstancesInput{InstanceIds: []string{c}})
	wantCode(t, err, "IncorrectInstanceState")
	_, err = p.EC2.StopInstances(e.ctx, &ec2.StopInstancesInput{InstanceIds: []string{c}})
	wantCode(t, err, "IncorrectInstanceState")

	t.Run("Intervals", func(t *testing.T) {
		trunc := func(t time.Time) time.Time { return t.UTC() }
		iv := func(id string, from, to time.Time) compute.Interval {
			return compute.Interval{InstanceID: id, Account: p.ID, InstanceType: "t3.micro", Start: trunc(from), End: trunc(to)}
		}
		want := []compute.Interval{iv(a, t0, t1), iv(b, t0, t3), iv(c, t0, t3), iv(a, t2, t3)}
		slices.SortFunc(want[:3], func(x, y compute.Interval) int { return strings.Compare(x.InstanceID, y.InstanceID) })
		if diff := cmp.Diff(want, e.intervals(p.ID)); diff != "" {
			t.Errorf("running intervals (-want +got):\n%s", diff)
		}
	})
	t.Run("TerminatedFadeAway", func(t *testing.T) {
		e := e.in(t)
		e.advance(59 * time.Minute)
		e.instance(p, c)
		e.advance(2 * time.Minute)
		_, err := p.EC2.DescribeInstances(e.ctx, &ec2.DescribeInstancesInput{InstanceIds: []string{c}})
		wantCode(t, err, "InvalidInstanceID.NotFound")
		out, err := p.EC2.DescribeInstances(e.ctx, &ec2.DescribeInstancesInput{})
		noErr(t, err)
		if len(out.Reservations) != 0 {
			t.Errorf("listed %+v", out.Reservations)
		}
		_, err = p.EC2.TerminateInstances(e.ctx, &ec2.TerminateInstancesInput{InstanceIds: []string{c}})
		wantCode(t, err, "InvalidInstanceID.NotFound")
	})
	t.Run("Attributes", func(t *testing.T) {
		e := e.in(t)
		id := e.mustRun(p, img, "t3.small")
		attr := func(a types.InstanceAttributeName) *ec2.DescribeInstanceAttributeOutput {
			out, err := p.EC2.DescribeInstanceAttribute(e.ctx, &ec2.DescribeInstanceAttributeInput{InstanceId: aws.String(id), Attribute: a})
			noErr(t, err)
			if aws.ToString(out.InstanceId) != id {
				t.Errorf("attribute %s of %s", a, aws.ToString(out.InstanceId))
			}
			return out
		}
		if got := aws.ToString(attr(types.InstanceAttributeNameInstanceType).InstanceType.Value); got != "t3.small" {
			t.Errorf("instance type %q", got)
		}
		if got := attr(types.InstanceAttributeNameProductCodes).ProductCodes; len(got) != 0 {
			t.Errorf("product codes %+v", got)
		}
		if got := attr(types.InstanceAttributeNameBlockDeviceMapping).BlockDeviceMappings; len(got) != 1 {
			t.Errorf("block devices %+v", got)
		}
		if got := aws.ToString(attr(types.InstanceAttributeNameRootDeviceName).RootDeviceName.Value); got != "/dev/xvda" {
			t.Errorf("root device %q", got)
		}
		for _, a := range types.InstanceAttributeName("").Values() {
			attr(a)
		}
		r := e.raw(p, form("DescribeInstanceAttribute", "InstanceId", id, "Attribute", "colour"))
		if r.Code != "InvalidParameterValue" {
			t.Errorf("unknown attribute: %s (%s)", r.Code, r.Message)
		}
	})
}

func testInstanceRefusals(t *testing.T, be backend) {
	e := newEnv(t, be)
	p, other := e.party("owner"), e.party("other")
	img := e.register(p, "free image")
	theirs := e.mustRun(other, e.register(other, "their image"), "t3.micro")
	mine := e.mustRun(p, img, "t3.micro")
	for _, tc := range []struct {
		name   string
		params url.Values
		code   string
	}{
		{"NoImage", form("RunInstances", "MinCount", "1", "MaxCount", "1", "InstanceType", "t3.micro"), "MissingParameter"},
		{"NoCounts", form("RunInstances", "ImageId", img, "InstanceType", "t3.micro"), "MissingParameter"},
		{"MalformedImage", form("RunInstances", "ImageId", "ami-x", "MinCount", "1", "MaxCount", "1", "InstanceType", "t3.micro"), "InvalidAMIID.Malformed"},
		{"UnknownImage", form("RunInstances", "ImageId", "ami-0123456789abcdef0", "MinCount", "1", "MaxCount", "1", "InstanceType", "t3.micro"), "InvalidAMIID.NotFound"},
		{"ZeroCount", form("RunInstances", "ImageId", img, "MinCount", "0", "MaxCount", "1", "InstanceType", "t3.micro"), "InvalidParameterValue"},
		{"NegativeCount", form("RunInstances", "ImageId", img, "MinCount", "-1", "MaxCount", "-1", "InstanceType", "t3.micro"), "InvalidParameterValue"},
		{"MaxBelowMin", form("RunInstances", "ImageId", img, "MinCount", "3", "MaxCount", "2", "InstanceType", "t3.micro"), "InvalidParameterValue"},
		{"TooMany", form("RunInstances", "ImageId", img, "MinCount", "101", "MaxCount", "101", "InstanceType", "t3.micro"), "InstanceLimitExceeded"},
		{"HugeCount", form("RunInstances", "ImageId", img, "MinCount", "1", "MaxCount", "99999999999999999999", "InstanceType", "t3.micro"), "InvalidParameterValue"},
		{"NoType", form("RunInstances", "ImageId", img, "MinCount", "1", "MaxCount", "1"), "MissingParameter"},
		{"UnknownType", form("RunInstances", "ImageId", img, "MinCount", "1", "MaxCount", "1", "InstanceType", "x9.huge"), "InvalidParameterValue"},
		{"Zone", form("RunInstances", "ImageId", img, "MinCount", "1", "MaxCount", "1", "InstanceType", "t3.micro", "Placement.AvailabilityZone", "eu-west-1a"), "InvalidParameterValue"},
		{"LongToken", form("RunInstances", "ImageId", img, "MinCount", "1", "MaxCount", "1", "InstanceType", "t3.micro", "ClientToken", strings.Repeat("t", 65)), "InvalidParameterValue"},
		{"TagType", form("RunInstances", "ImageId", img, "MinCount", "1", "MaxCount", "1", "InstanceType", "t3.micro", "TagSpecification.1.ResourceType", "vpc", "TagSpecification.1.Tag.1.Key", "k"), "InvalidParameterValue"},
		{"Ignored", form("RunInstances", "ImageId", "ami-x", "MinCount", "1", "MaxCount", "1", "SecurityGroupId.1", "sg-1", "NetworkInterface.1.DeviceIndex", "0", "UserData", "eA==", "Monitoring.Enabled", "true"), "InvalidAMIID.Malformed"},
		{"Unknown", form("RunInstances", "ImageId", img, "MinCount", "1", "MaxCount", "1", "InstanceType", "t3.micro", "Colour", "blue"), "UnknownParameter"},
		{"HttpTokens", form("RunInstances", "ImageId", img, "MinCount", "1", "MaxCount", "1", "InstanceType", "t3.micro", "MetadataOptions.HttpTokens", "always"), "InvalidParameterValue"},
		{"HttpEndpoint", form("RunInstances", "ImageId", img, "MinCount", "1", "MaxCount", "1", "InstanceType", "t3.micro", "MetadataOptions.HttpEndpoint", "on"), "InvalidParameterValue"},
		{"HopLimit", form("RunInstances", "ImageId", img, "MinCount", "1", "MaxCount", "1", "InstanceType", "t3.micro", "MetadataOptions.HttpPutResponseHopLimit", "65"), "InvalidParameterValue"},
		{"StopNothing", form("StopInstances"), "MissingParameter"},
		{"StopMalformed", form("StopInstances", "InstanceId.1", "i-zz"), "InvalidInstanceID.Malformed"},
		{"StopOthers", form("StopInstances", "InstanceId.1", theirs), "InvalidInstanceID.NotFound"},
		{"TerminateMixed", form("TerminateInstances", "InstanceId.1", mine, "InstanceId.2", theirs), "InvalidInstanceID.NotFound"},
		{"DescribeOthers", form("DescribeInstances", "InstanceId.1", theirs), "InvalidInstanceID.NotFound"},
		{"DescribeMalformed", form("DescribeInstances", "InstanceId.1", "i-"), "InvalidInstanceID.Malformed"},
		{"DescribeFilter", form("DescribeInstances", "Filter.1.Name", "colour", "Filter.1.Value.1", "x"), "InvalidParameterValue"},
		{"DescribeIDsAndMax", form("DescribeInstances", "InstanceId.1", mine, "MaxResults", "5"), "InvalidParameterCombination"},
		{"DescribeMax", form("DescribeInstances", "MaxResults", "4"), "InvalidParameterValue"},
		{"DescribeToken", form("DescribeInstances", "MaxResults", "5", "NextToken", "zzz"), "InvalidPaginationToken"},
		{"AttributeOthers", form("DescribeInstanceAttribute", "InstanceId", theirs, "Attribute", "instanceType"), "InvalidInstanceID.NotFound"},
		{"TagOthers", form("CreateTags", "ResourceId.1", theirs, "Tag.1.Key", "k", "Tag.1.Value", "v"), "InvalidInstanceID.NotFound"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := e.raw(p, tc.params)
			if r.Code != tc.code {
				t.Errorf("HTTP %d, code %s (%s), want %s", r.Status, r.Code, r.Message, tc.code)
			}
		})
	}
	t.Run("NamesEveryMissingInstance", func(t *testing.T) {
		_, err := p.EC2.TerminateInstances(e.ctx, &ec2.TerminateInstancesInput{InstanceIds: []string{mine, theirs, "i-0123456789abcdef0"}})
		msg := wantCode(t, err, "InvalidInstanceID.NotFound")
		if !strings.Contains(msg, theirs) || !strings.Contains(msg, "i-0123456789abcdef0") || strings.Contains(msg, mine) {
			t.Errorf("message %q", msg)
		}
		if got := e.instance(p, mine); got.State.Name != types.InstanceStateNameRunning {
			t.Errorf("a refused call terminated %s", mine)
		}
	})
}

func testInstanceFilters(t *testing.T, be backend) {
	e := newEnv(t, be)
	seller, buyer := e.party("seller"), e.party("buyer")
	product := e.product(seller, catalog.PaidImage)
	paid := e.register(seller, "paid image")
	noErr(t, e.attach(seller, paid, product.Code))
	e.share(seller, paid, buyer)
	e.subscribe(buyer, product.Code)
	free := e.register(buyer, "free image")
	paidID := e.mustRun(buyer, paid, "m5.large")
	freeID := e.mustRun(buyer, free, "t3.micro")
	stopped := e.mustRun(buyer, free, "t3.small")
	_, err := buyer.EC2.StopInstances(e.ctx, &ec2.StopInstancesInput{InstanceIds: []string{stopped}})
	noErr(t, err)
	_, err = buyer.EC2.CreateTags(e.ctx, &ec2.CreateTagsInput{Resources: []string{freeID}, Tags: []types.Tag{kv("Name", "web-1")}})
	noErr(t, err)
	e.mustRun(seller, e.register(seller, "seller's own"), "t3.micro")

	list := func(t *testing.T, in *ec2.DescribeInstancesInput) []string {
		t.Helper()
		out, err := buyer.EC2.DescribeInstances(e.ctx, in)
		noErr(t, err)
		var ids []string
		for _, r := range out.Reservations {
			if aws.ToString(r.OwnerId) != buyer.ID {
				t.Errorf("reservation of %s", aws.ToString(r.OwnerId))
			}
			for _, in := range r.Instances {
				ids = append(ids, aws.ToString(in.InstanceId))
			}
		}
		slices.Sort(ids)
		return ids
	}
	f := func(name string, values ...string) types.Filter {
		return types.Filter{Name: aws.String(name), Values: values}
	}
	for _, tc := range []struct {
		name    string
		filters []types.Filter
		want    []string
	}{
		{"All", nil, sorted(paidID, freeID, stopped)},
		{"ProductCode", []types.Filter{f("product-code", product.Code)}, []string{paidID}},
		{"ProductCodeType", []types.Filter{f("product-code.type", "marketplace")}, []string{paidID}},
		{"StateName", []types.Filter{f("instance-state-name", "running")}, sorted(paidID, freeID)},
		{"StateCode", []types.Filter{f("instance-state-code", "80")}, []string{stopped}},
		{"ImageID", []types.Filter{f("image-id", free)}, sorted(freeID, stopped)},
		{"InstanceType", []types.Filter{f("instance-type", "t3.*")}, sorted(freeID, stopped)},
		{"Tag", []types.Filter{f("tag:Name", "web-*")}, []string{freeID}},
		{"TagKey", []types.Filter{f("tag-key", "Name")}, []string{freeID}},
		{"Zone", []types.Filter{f("availability-zone", "us-east-1a")}, sorted(paidID, freeID, stopped)},
		{"LaunchIndex", []types.Filter{f("launch-index", "0")}, sorted(paidID, freeID, stopped)},
		{"LaunchIndexNone", []types.Filter{f("launch-index", "1", "x")}, nil},
		{"Owner", []types.Filter{f("owner-id", seller.ID)}, nil},
		{"Combined", []types.Filter{f("instance-state-name", "running"), f("instance-type", "t3.micro", "m5.large"), f("image-id", paid)}, []string{paidID}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, list(t, &ec2.DescribeInstancesInput{Filters: tc.filters})); diff != "" {
				t.Errorf("instances (-want +got):\n%s", diff)
			}
		})
	}
	t.Run("Pages", func(t *testing.T) {
		out, err := e.run(buyer, free, "t3.micro", 9)
		noErr(t, err)
		var all []string
		for _, in := range out.Instances {
			all = append(all, aws.ToString(in.InstanceId))
		}
		all = append(all, paidID, freeID, stopped)
		slices.Sort(all)
		var got []string
		pages := 0
		pager := ec2.NewDescribeInstancesPaginator(buyer.EC2, &ec2.DescribeInstancesInput{MaxResults: aws.Int32(5)})
		for pager.HasMorePages() {
			page, err := pager.NextPage(e.ctx)
			noErr(t, err)
			pages++
			for _, r := range page.Reservations {
				for _, in := range r.Instances {
					got = append(got, aws.ToString(in.InstanceId))
				}
			}
		}
		slices.Sort(got)
		if diff := cmp.Diff(all, got); diff != "" || pages != 3 {
			t.Errorf("%d pages (-want +got):\n%s", pages, diff)
		}
	})
}

func testInstanceIdempotency(t *testing.T, be backend) {
	e := newEnv(t, be)
	p := e.party("owner")
	img := e.register(p, "free image")
	token := func(in *ec2.RunInstancesInput) { in.ClientToken = aws.String("launch-1") }
	first, err := e.run(p, img, "t3.micro", 2, token)
	noErr(t, err)
	again, err := e.run(p, img, "t3.micro", 2, token)
	noErr(t, err)
	if aws.ToString(first.ReservationId) != aws.ToString(again.ReservationId) || len(again.Instances) != 2 ||
		aws.ToString(first.Instances[1].InstanceId) != aws.ToString(again.Instances[1].InstanceId) {
		t.Errorf("a retried launch launched again: %s and %s", aws.ToString(first.ReservationId), aws.ToString(again.ReservationId))
	}
	_, err = e.run(p, img, "t3.small", 2, token)
	wantCode(t, err, "IdempotentParameterMismatch")
	// The SDK fills a client token in by itself: two calls, two launches.
	a, err := e.run(p, img, "t3.micro", 1)
	noErr(t, err)
	b, err := e.run(p, img, "t3.micro", 1)
	noErr(t, err)
	if aws.ToString(a.ReservationId) == aws.ToString(b.ReservationId) || aws.ToString(a.Instances[0].ClientToken) == "" {
		t.Errorf("reservations %s and %s, client token %q", aws.ToString(a.ReservationId), aws.ToString(b.ReservationId), aws.ToString(a.Instances[0].ClientToken))
	}
	if n := len(e.intervals(p.ID)); n != 4 {
		t.Errorf("%d running intervals, want 4", n)
	}
}

// testInstanceMetadataOptions: RunInstances records whether the metadata
// service requires session tokens, and DescribeInstances shows it, with
// EC2's defaults when the launch says nothing.
func testInstanceMetadataOptions(t *testing.T, be backend) {
	e := newEnv(t, be)
	p := e.party("owner")
	img := e.register(p, "free image")
	plain := e.mustRun(p, img, "t3.micro")
	out, err := e.run(p, img, "t3.micro", 1, func(in *ec2.RunInstancesInput) {
		in.MetadataOptions = &types.InstanceMetadataOptionsRequest{HttpTokens: types.HttpTokensStateRequired,
			HttpPutResponseHopLimit: aws.Int32(2), HttpEndpoint: types.InstanceMetadataEndpointStateEnabled}
	})
	noErr(t, err)
	required := aws.ToString(out.Instances[0].InstanceId)
	for _, tc := range []struct {
		id     string
		tokens types.HttpTokensState
	}{{plain, types.HttpTokensStateOptional}, {required, types.HttpTokensStateRequired}} {
		got := e.instance(p, tc.id).MetadataOptions
		if got == nil || got.HttpTokens != tc.tokens || got.HttpEndpoint != types.InstanceMetadataEndpointStateEnabled ||
			got.State != types.InstanceMetadataOptionsStateApplied {
			t.Errorf("%s: metadata options %+v, want tokens %s", tc.id, got, tc.tokens)
		}
	}
}
