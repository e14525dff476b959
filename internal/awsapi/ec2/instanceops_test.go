package ec2_test

import (
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
	_ = sdk("InstanceStatus", testInstanceStatus)
	_ = sdk("InstanceTypes", testInstanceTypes)
	_ = sdk("ModifyInstanceAttribute", testModifyInstanceAttribute)
)

// statuses returns the instance IDs DescribeInstanceStatus lists, each
// with its state and both checks' status.
func statuses(t *testing.T, out *ec2.DescribeInstanceStatusOutput) map[string]string {
	t.Helper()
	got := map[string]string{}
	for _, s := range out.InstanceStatuses {
		got[aws.ToString(s.InstanceId)] = string(s.InstanceState.Name) + " " + string(s.InstanceStatus.Status) + "/" + string(s.SystemStatus.Status)
	}
	return got
}

func testInstanceStatus(t *testing.T, be backend) {
	e := newEnv(t, be)
	p, other := e.party("owner"), e.party("other")
	img := e.register(p, "status image")
	running, stopped := e.mustRun(p, img, "t3.micro"), e.mustRun(p, img, "t3.micro")
	elsewhere, err := e.run(p, img, "t3.micro", 1, func(in *ec2.RunInstancesInput) {
		in.Placement = &types.Placement{AvailabilityZone: aws.String("us-east-1b")}
	})
	noErr(t, err)
	inB := aws.ToString(elsewhere.Instances[0].InstanceId)
	_, err = p.EC2.StopInstances(e.ctx, &ec2.StopInstancesInput{InstanceIds: []string{stopped}})
	noErr(t, err)

	t.Run("RunningByDefault", func(t *testing.T) {
		out, err := p.EC2.DescribeInstanceStatus(e.ctx, &ec2.DescribeInstanceStatusInput{})
		noErr(t, err)
		want := map[string]string{running: "running ok/ok", inB: "running ok/ok"}
		if diff := cmp.Diff(want, statuses(t, out)); diff != "" {
			t.Errorf("statuses (-want +got):\n%s", diff)
		}
		s := out.InstanceStatuses[0]
		if len(s.InstanceStatus.Details) != 1 || s.InstanceStatus.Details[0].Name != types.StatusNameReachability ||
			s.InstanceStatus.Details[0].Status != types.StatusTypePassed || aws.ToString(s.AvailabilityZone) == "" {
			t.Errorf("first status %+v", s)
		}
	})
	t.Run("IncludeAll", func(t *testing.T) {
		out, err := p.EC2.DescribeInstanceStatus(e.ctx, &ec2.DescribeInstanceStatusInput{IncludeAllInstances: aws.Bool(true)})
		noErr(t, err)
		want := map[string]string{running: "running ok/ok", inB: "running ok/ok", stopped: "stopped not-applicable/not-applicable"}
		if diff := cmp.Diff(want, statuses(t, out)); diff != "" {
			t.Errorf("statuses (-want +got):\n%s", diff)
		}
	})
	t.Run("ByID", func(t *testing.T) {
		out, err := p.EC2.DescribeInstanceStatus(e.ctx, &ec2.DescribeInstanceStatusInput{InstanceIds: []string{stopped, running}})
		noErr(t, err)
		if diff := cmp.Diff(map[string]string{running: "running ok/ok"}, statuses(t, out)); diff != "" {
			t.Errorf("a stopped instance is listed only with IncludeAllInstances (-want +got):\n%s", diff)
		}
		_, err = other.EC2.DescribeInstanceStatus(e.ctx, &ec2.DescribeInstanceStatusInput{InstanceIds: []string{running}})
		wantCode(t, err, "InvalidInstanceID.NotFound")
		_, err = p.EC2.DescribeInstanceStatus(e.ctx, &ec2.DescribeInstanceStatusInput{InstanceIds: []string{"i-nothex"}})
		wantCode(t, err, "InvalidInstanceID.Malformed")
	})
	t.Run("Filters", func(t *testing.T) {
		for _, tc := range []struct {
			name    string
			all     bool
			filters map[string][]string
			want    []string
		}{
			{"Zone", false, map[string][]string{"availability-zone": {"us-east-1b"}}, []string{inB}},
			{"StateName", true, map[string][]string{"instance-state-name": {"stopped"}}, []string{stopped}},
			{"StateCode", true, map[string][]string{"instance-state-code": {"80"}}, []string{stopped}},
			{"InstanceStatus", true, map[string][]string{"instance-status.status": {"not-applicable"}}, []string{stopped}},
			{"SystemStatusOK", true, map[string][]string{"system-status.status": {"ok"}}, []string{running, inB}},
			{"Impaired", true, map[string][]string{"system-status.status": {"impaired"}}, nil},
			{"Reachability", true, map[string][]string{"instance-status.reachability": {"passed"}, "availability-zone": {"us-east-1a"}}, []string{running}},
			{"Wildcard", true, map[string][]string{"instance-status.status": {"not-*"}}, []string{stopped}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				in := &ec2.DescribeInstanceStatusInput{IncludeAllInstances: aws.Bool(tc.all)}
				for name, values := range tc.filters {
					in.Filters = append(in.Filters, types.Filter{Name: aws.String(name), Values: values})
				}
				out, err := p.EC2.DescribeInstanceStatus(e.ctx, in)
				noErr(t, err)
				var got []string
				for id := range statuses(t, out) {
					got = append(got, id)
				}
				if diff := cmp.Diff(sorted(tc.want...), sorted(got...)); diff != "" {
					t.Errorf("instances (-want +got):\n%s", diff)
				}
			})
		}
		_, err := p.EC2.DescribeInstanceStatus(e.ctx, &ec2.DescribeInstanceStatusInput{Filters: []types.Filter{{Name: aws.String("event.code"), Values: []string{"x"}}}})
		wantCode(t, err, "InvalidParameterValue")
	})
	t.Run("Pages", func(t *testing.T) {
		for range 4 {
			e.mustRun(p, img, "t3.micro")
		}
		var got []string
		pages := ec2.NewDescribeInstanceStatusPaginator(p.EC2, &ec2.DescribeInstanceStatusInput{MaxResults: aws.Int32(5), IncludeAllInstances: aws.Bool(true)})
		n := 0
		for pages.HasMorePages() {
			out, err := pages.NextPage(e.ctx)
			noErr(t, err)
			n++
			for id := range statuses(t, out) {
				got = append(got, id)
			}
		}
		if len(got) != 7 || n != 2 {
			t.Errorf("%d instances in %d pages, want 7 in 2", len(got), n)
		}
		_, err := p.EC2.DescribeInstanceStatus(e.ctx, &ec2.DescribeInstanceStatusInput{MaxResults: aws.Int32(5), InstanceIds: []string{running}})
		wantCode(t, err, "InvalidParameterCombination")
		_, err = p.EC2.DescribeInstanceStatus(e.ctx, &ec2.DescribeInstanceStatusInput{MaxResults: aws.Int32(4)})
		wantCode(t, err, "InvalidParameterValue")
	})
	t.Run("Waiter", func(t *testing.T) {
		w := ec2.NewInstanceStatusOkWaiter(p.EC2, func(o *ec2.InstanceStatusOkWaiterOptions) {
			o.MinDelay = time.Millisecond
			o.MaxDelay = time.Millisecond
		})
		noErr(t, w.Wait(e.ctx, &ec2.DescribeInstanceStatusInput{InstanceIds: []string{running, inB}}, 10*time.Second))
	})
}

// typeNames are the names of the listed instance types.
func typeNames(out *ec2.DescribeInstanceTypesOutput) []string {
	var got []string
	for _, it := range out.InstanceTypes {
		got = append(got, string(it.InstanceType))
	}
	return got
}

func testInstanceTypes(t *testing.T, be backend) {
	e := newEnv(t, be)
	p := e.party("buyer")
	yes, no := true, false
	catalogue := []catalog.InstanceType{{Name: "m5.large", VCPUs: 2, MemoryMiB: 8192, Architectures: []string{"x86_64"}, CurrentGeneration: &yes},
		{Name: "m5.xlarge", VCPUs: 4, MemoryMiB: 16384},
		{Name: "c5.large", VCPUs: 2, MemoryMiB: 4096, Architectures: []string{"arm64", "x86_64"}, CurrentGeneration: &no}}
	for i := range 9 {
		catalogue = append(catalogue, catalog.InstanceType{Name: "x1.size" + string(rune('a'+i)), VCPUs: 64, MemoryMiB: 1 << 20})
	}
	if err := e.app.Catalog.LoadInstanceTypes(e.ctx, catalogue); err != nil {
		t.Fatalf("LoadInstanceTypes: %v", err)
	}

	t.Run("Named", func(t *testing.T) {
		out, err := p.EC2.DescribeInstanceTypes(e.ctx, &ec2.DescribeInstanceTypesInput{InstanceTypes: []types.InstanceType{"m5.xlarge"}})
		noErr(t, err)
		if len(out.InstanceTypes) != 1 {
			t.Fatalf("got %d types", len(out.InstanceTypes))
		}
		it := out.InstanceTypes[0]
		if it.InstanceType != "m5.xlarge" || aws.ToInt32(it.VCpuInfo.DefaultVCpus) != 4 || aws.ToInt64(it.MemoryInfo.SizeInMiB) != 16384 {
			t.Errorf("m5.xlarge: %s, %d vCPUs, %d MiB", it.InstanceType, aws.ToInt32(it.VCpuInfo.DefaultVCpus), aws.ToInt64(it.MemoryInfo.SizeInMiB))
		}
		// What the catalogue does not hold (here, m5.xlarge's processor
		// and generation) is left out, not made up.
		if it.ProcessorInfo != nil || it.CurrentGeneration != nil || it.NetworkInfo != nil {
			t.Errorf("fields the catalogue does not hold: %+v", it)
		}
		_, err = p.EC2.DescribeInstanceTypes(e.ctx, &ec2.DescribeInstanceTypesInput{InstanceTypes: []types.InstanceType{"m5.large", "t2.nano", "p5.48xlarge"}})
		msg := wantCode(t, err, "InvalidInstanceType")
		if want := "[t2.nano, p5.48xlarge]"; !strings.Contains(msg, want) {
			t.Errorf("message %q does not name %s", msg, want)
		}
	})
	t.Run("Filters", func(t *testing.T) {
		for _, tc := range []struct {
			name, filter string
			values       []string
			want         []string
		}{
			{"Type", "instance-type", []string{"m5.*"}, []string{"m5.large", "m5.xlarge"}},
			{"VCPUs", "vcpu-info.default-vcpus", []string{"2"}, []string{"m5.large", "c5.large"}},
			{"Memory", "memory-info.size-in-mib", []string{"16384", "4096"}, []string{"m5.xlarge", "c5.large"}},
			{"None", "instance-type", []string{"t2.*"}, nil},
			{"CurrentGeneration", "current-generation", []string{"true"}, []string{"m5.large"}},
			{"PreviousGeneration", "current-generation", []string{"false"}, []string{"c5.large"}},
			{"Architecture", "processor-info.supported-architecture", []string{"arm64"}, []string{"c5.large"}},
			{"Architectures", "processor-info.supported-architecture", []string{"x86_64"}, []string{"m5.large", "c5.large"}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				out, err := p.EC2.DescribeInstanceTypes(e.ctx, &ec2.DescribeInstanceTypesInput{Filters: []types.Filter{{Name: aws.String(tc.filter), Values: tc.values}}})
				noErr(t, err)
				if diff := cmp.Diff(tc.want, typeNames(out)); diff != "" {
					t.Errorf("types (-want +got):\n%s", diff)
				}
			})
		}
		_, err := p.EC2.DescribeInstanceTypes(e.ctx, &ec2.DescribeInstanceTypesInput{Filters: []types.Filter{{Name: aws.String("gpu-info.gpus.count"), Values: []string{"1"}}}})
		wantCode(t, err, "InvalidParameterValue")
	})
	t.Run("Pages", func(t *testing.T) {
		var got []string
		pages := ec2.NewDescribeInstanceTypesPaginator(p.EC2, &ec2.DescribeInstanceTypesInput{MaxResults: aws.Int32(5)})
		n := 0
		for pages.HasMorePages() {
			out, err := pages.NextPage(e.ctx)
			noErr(t, err)
			n++
			got = append(got, typeNames(out)...)
		}
		var want []string
		for _, it := range catalogue {
			want = append(want, it.Name)
		}
		if diff := cmp.Diff(want, got); diff != "" || n != 3 {
			t.Errorf("%d pages; types (-want +got):\n%s", n, diff)
		}
		for _, bad := range []int32{4, 101} {
			_, err := p.EC2.DescribeInstanceTypes(e.ctx, &ec2.DescribeInstanceTypesInput{MaxResults: aws.Int32(bad)})
			wantCode(t, err, "InvalidParameterValue")
		}
		_, err := p.EC2.DescribeInstanceTypes(e.ctx, &ec2.DescribeInstanceTypesInput{NextToken: aws.String("garbage")})
		wantCode(t, err, "InvalidPaginationToken")
	})
	t.Run("DefaultCatalogue", func(t *testing.T) {
		fresh := newEnv(t, be)
		q := fresh.party("buyer")
		out, err := q.EC2.DescribeInstanceTypes(fresh.ctx, &ec2.DescribeInstanceTypesInput{})
		noErr(t, err)
		if n := len(catalog.DefaultInstanceTypes()); len(out.InstanceTypes) != n || out.NextToken != nil || n > compute.DefaultTypeResults {
			t.Fatalf("%d types, next token %v; want the %d of the built-in catalogue in one page", len(out.InstanceTypes), out.NextToken, n)
		}
		it := out.InstanceTypes[0]
		if it.ProcessorInfo == nil || !slices.Equal(it.ProcessorInfo.SupportedArchitectures, []types.ArchitectureType{"x86_64"}) || !aws.ToBool(it.CurrentGeneration) {
			t.Errorf("%s: processor %+v, current generation %v", it.InstanceType, it.ProcessorInfo, aws.ToBool(it.CurrentGeneration))
		}
	})
}

func testModifyInstanceAttribute(t *testing.T, be backend) {
	e := newEnv(t, be)
	seller, buyer := e.party("seller"), e.party("buyer")
	product := e.product(seller, catalog.PaidImage)
	img := e.register(seller, "paid image")
	noErr(t, e.attach(seller, img, product.Code))
	e.share(seller, img, buyer)
	sub := e.subscribe(buyer, product.Code)
	id := e.mustRun(buyer, img, "m5.large")

	setType := func(typ string) error {
		_, err := buyer.EC2.ModifyInstanceAttribute(e.ctx, &ec2.ModifyInstanceAttributeInput{InstanceId: aws.String(id),
			InstanceType: &types.AttributeValue{Value: aws.String(typ)}})
		return err
	}
	typeOf := func() string {
		out, err := buyer.EC2.DescribeInstanceAttribute(e.ctx, &ec2.DescribeInstanceAttributeInput{InstanceId: aws.String(id),
			Attribute: types.InstanceAttributeNameInstanceType})
		noErr(t, err)
		return aws.ToString(out.InstanceType.Value)
	}

	wantCode(t, setType("m5.xlarge"), "IncorrectInstanceState")
	e.advance(time.Hour)
	_, err := buyer.EC2.StopInstances(e.ctx, &ec2.StopInstancesInput{InstanceIds: []string{id}})
	noErr(t, err)

	t.Run("OutsideTheProduct", func(t *testing.T) {
		wantCode(t, setType("c5.large"), "InvalidParameterCombination")
	})
	t.Run("NotCatalogued", func(t *testing.T) {
		wantCode(t, setType("z9.huge"), "InvalidParameterValue")
	})
	t.Run("ByAttributeAndValue", func(t *testing.T) {
		_, err := buyer.EC2.ModifyInstanceAttribute(e.ctx, &ec2.ModifyInstanceAttributeInput{InstanceId: aws.String(id),
			Attribute: types.InstanceAttributeNameInstanceType, Value: aws.String("m5.large")})
		noErr(t, err)
	})
	noErr(t, setType("m5.xlarge"))
	if got := typeOf(); got != "m5.xlarge" {
		t.Fatalf("instance type %s after the change", got)
	}
	_, err = buyer.EC2.StartInstances(e.ctx, &ec2.StartInstancesInput{InstanceIds: []string{id}})
	noErr(t, err)
	e.advance(time.Hour)

	t.Run("IntervalsRecordTheTypeThatRan", func(t *testing.T) {
		var got []string
		for _, iv := range e.intervals(buyer.ID) {
			got = append(got, iv.InstanceType)
		}
		if diff := cmp.Diff([]string{"m5.large", "m5.xlarge"}, got); diff != "" {
			t.Errorf("interval types (-want +got):\n%s", diff)
		}
	})
	t.Run("OthersAttributes", func(t *testing.T) {
		for _, tc := range []struct {
			name string
			in   ec2.ModifyInstanceAttributeInput
			code string
		}{
			{"ProductCodes", ec2.ModifyInstanceAttributeInput{Attribute: types.InstanceAttributeNameProductCodes, Value: aws.String("abc")}, "UnsupportedOperation"},
			{"TerminationProtection", ec2.ModifyInstanceAttributeInput{DisableApiTermination: &types.AttributeBooleanValue{Value: aws.Bool(true)}}, "UnsupportedOperation"},
			{"Groups", ec2.ModifyInstanceAttributeInput{Groups: []string{"sg-12345678"}}, "UnsupportedOperation"},
			{"UnknownAttribute", ec2.ModifyInstanceAttributeInput{Attribute: "colour", Value: aws.String("blue")}, "InvalidParameterValue"},
			{"Nothing", ec2.ModifyInstanceAttributeInput{}, "MissingParameter"},
			{"TwoAtOnce", ec2.ModifyInstanceAttributeInput{InstanceType: &types.AttributeValue{Value: aws.String("m5.large")},
				EbsOptimized: &types.AttributeBooleanValue{Value: aws.Bool(false)}}, "InvalidParameterCombination"},
			{"Malformed", ec2.ModifyInstanceAttributeInput{InstanceId: aws.String("i-xyz"), InstanceType: &types.AttributeValue{Value: aws.String("m5.large")}}, "InvalidInstanceID.Malformed"},
			{"NotFound", ec2.ModifyInstanceAttributeInput{InstanceId: aws.String("i-0123456789abcdef0"), InstanceType: &types.AttributeValue{Value: aws.String("m5.large")}}, "InvalidInstanceID.NotFound"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				in := tc.in
				if in.InstanceId == nil {
					in.InstanceId = aws.String(id)
				}
				_, err := buyer.EC2.ModifyInstanceAttribute(e.ctx, &in)
				wantCode(t, err, tc.code)
			})
		}
		// Stating the value an attribute has changes nothing, and is
		// accepted.
		_, err := buyer.EC2.ModifyInstanceAttribute(e.ctx, &ec2.ModifyInstanceAttributeInput{InstanceId: aws.String(id),
			DisableApiTermination: &types.AttributeBooleanValue{Value: aws.Bool(false)}})
		noErr(t, err)
	})
	t.Run("NotEntitled", func(t *testing.T) {
		_, err := buyer.EC2.StopInstances(e.ctx, &ec2.StopInstancesInput{InstanceIds: []string{id}})
		noErr(t, err)
		if _, err := e.app.Subscriptions.Cancel(e.ctx, buyer.ID, sub.ID); err != nil {
			t.Fatalf("cancel: %v", err)
		}
		wantCode(t, setType("m5.large"), "OptInRequired")
	})
}
