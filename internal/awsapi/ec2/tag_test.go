package ec2_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/google/go-cmp/cmp"
)

var _ = sdk("Tags", testTags)

// tagsOf describes p's tags that the filters select, as "resource key=value".
func (e *env) tagsOf(t *testing.T, p party, filters ...types.Filter) []string {
	t.Helper()
	out, err := p.EC2.DescribeTags(e.ctx, &ec2.DescribeTagsInput{Filters: filters})
	noErr(t, err)
	var got []string
	for _, tg := range out.Tags {
		got = append(got, fmt.Sprintf("%s %s %s=%s", aws.ToString(tg.ResourceId), tg.ResourceType, aws.ToString(tg.Key), aws.ToString(tg.Value)))
	}
	return got
}

func kv(k, v string) types.Tag { return types.Tag{Key: aws.String(k), Value: aws.String(v)} }

func testTags(t *testing.T, be backend) {
	e := newEnv(t, be)
	owner, friend, stranger := e.party("owner"), e.party("friend"), e.party("stranger")
	img := e.register(owner, "tagged image")
	other := e.register(owner, "other image")
	hidden := e.register(owner, "hidden image")
	_, err := owner.EC2.ModifyImageAttribute(e.ctx, &ec2.ModifyImageAttributeInput{ImageId: aws.String(img),
		LaunchPermission: &types.LaunchPermissionModifications{Add: []types.LaunchPermission{{UserId: aws.String(friend.ID)}}}})
	noErr(t, err)
	create := func(p party, ids []string, tags ...types.Tag) error {
		_, err := p.EC2.CreateTags(e.ctx, &ec2.CreateTagsInput{Resources: ids, Tags: tags})
		return err
	}

	t.Run("CreateAndDescribe", func(t *testing.T) {
		noErr(t, create(owner, []string{img, other}, kv("env", "prod"), kv("team", "")))
		noErr(t, create(owner, []string{img}, kv("env", "staging"))) // replaces
		want := []string{other + " image env=prod", other + " image team=", img + " image env=staging", img + " image team="}
		if img < other {
			want = append(want[2:], want[:2]...)
		}
		if diff := cmp.Diff(want, e.tagsOf(t, owner)); diff != "" {
			t.Errorf("tags (-want +got):\n%s", diff)
		}
		f := func(name string, values ...string) types.Filter {
			return types.Filter{Name: aws.String(name), Values: values}
		}
		if got := e.tagsOf(t, owner, f("resource-id", img), f("key", "env")); len(got) != 1 || got[0] != img+" image env=staging" {
			t.Errorf("filtered: %v", got)
		}
		if got := e.tagsOf(t, owner, f("value", "prod", "stag*")); len(got) != 2 {
			t.Errorf("by value: %v", got)
		}
		if got := e.tagsOf(t, owner, f("tag:env", "prod")); len(got) != 1 || got[0] != other+" image env=prod" {
			t.Errorf("by tag: %v", got)
		}
		if got := e.tagsOf(t, owner, f("resource-type", "instance")); len(got) != 0 {
			t.Errorf("instances: %v", got)
		}
		_, err := owner.EC2.DescribeTags(e.ctx, &ec2.DescribeTagsInput{Filters: []types.Filter{f("colour", "x")}})
		wantCode(t, err, "InvalidParameterValue")
	})
	t.Run("EachAccountsOwn", func(t *testing.T) {
		noErr(t, create(friend, []string{img}, kv("mine", "yes")))
		if got := e.tagsOf(t, friend); len(got) != 1 || got[0] != img+" image mine=yes" {
			t.Errorf("the friend's tags: %v", got)
		}
		for _, tg := range e.image(owner, img).Tags {
			if aws.ToString(tg.Key) == "mine" {
				t.Errorf("the owner sees the friend's tag")
			}
		}
		wantCode(t, create(stranger, []string{hidden}, kv("x", "y")), "InvalidAMIID.NotFound")
		wantCode(t, create(owner, []string{img, "ami-0123456789abcdef0"}, kv("x", "y")), "InvalidAMIID.NotFound")
		// All or nothing: the refused call tagged neither.
		for _, line := range e.tagsOf(t, owner) {
			if strings.Contains(line, " x=") {
				t.Errorf("a refused call left %s", line)
			}
		}
	})
	t.Run("Delete", func(t *testing.T) {
		_, err := owner.EC2.DeleteTags(e.ctx, &ec2.DeleteTagsInput{Resources: []string{img}, Tags: []types.Tag{kv("env", "prod")}})
		noErr(t, err) // a different value: kept
		_, err = owner.EC2.DeleteTags(e.ctx, &ec2.DeleteTagsInput{Resources: []string{img}, Tags: []types.Tag{{Key: aws.String("team")}}})
		noErr(t, err)
		if got := e.tagsOf(t, owner, types.Filter{Name: aws.String("resource-id"), Values: []string{img}}); len(got) != 1 || got[0] != img+" image env=staging" {
			t.Errorf("after deletes: %v", got)
		}
		_, err = owner.EC2.DeleteTags(e.ctx, &ec2.DeleteTagsInput{Resources: []string{img, other}})
		noErr(t, err)
		if got := e.tagsOf(t, owner); len(got) != 0 {
			t.Errorf("after deleting all: %v", got)
		}
		if got := e.tagsOf(t, friend); len(got) != 1 {
			t.Errorf("the friend's tag went with the owner's: %v", got)
		}
	})
	t.Run("Limits", func(t *testing.T) {
		var fifty []types.Tag
		for i := range 50 {
			fifty = append(fifty, kv(fmt.Sprintf("k%02d", i), "v"))
		}
		noErr(t, create(owner, []string{other}, fifty...))
		wantCode(t, create(owner, []string{other}, kv("one-more", "v")), "TagLimitExceeded")
		noErr(t, create(owner, []string{other}, kv("k00", "replaced"))) // replacing is not adding
		wantCode(t, create(owner, []string{img}, kv("aws:reserved", "v")), "InvalidParameterValue")
		wantCode(t, create(owner, []string{img}, kv(strings.Repeat("k", 129), "v")), "InvalidParameterValue")
		wantCode(t, create(owner, []string{img}, kv("k", strings.Repeat("v", 257))), "InvalidParameterValue")
		wantCode(t, create(owner, []string{"vpc-12345678"}, kv("k", "v")), "InvalidID")
		wantCode(t, create(owner, []string{"ami-1"}, kv("k", "v")), "InvalidAMIID.Malformed")
		r := e.raw(owner, form("CreateTags", "ResourceId.1", img))
		if r.Code != "MissingParameter" {
			t.Errorf("no tags: %s (%s)", r.Code, r.Message)
		}
	})
	t.Run("Pages", func(t *testing.T) {
		var got []string
		pager := ec2.NewDescribeTagsPaginator(owner.EC2, &ec2.DescribeTagsInput{MaxResults: aws.Int32(7)})
		pages := 0
		for pager.HasMorePages() {
			out, err := pager.NextPage(e.ctx)
			noErr(t, err)
			pages++
			for _, tg := range out.Tags {
				got = append(got, aws.ToString(tg.Key))
			}
		}
		if len(got) != 50 || pages != 8 {
			t.Errorf("%d tags in %d pages", len(got), pages)
		}
		_, err := owner.EC2.DescribeTags(e.ctx, &ec2.DescribeTagsInput{MaxResults: aws.Int32(7), NextToken: aws.String("bad")})
		wantCode(t, err, "InvalidPaginationToken")
	})
}
