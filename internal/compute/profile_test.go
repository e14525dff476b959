package compute

import (
	"strings"
	"testing"
)

func TestResolveProfile(t *testing.T) {
	const caller = "111111111111"
	arn := func(rest string) string { return "arn:aws:iam::" + caller + ":instance-profile" + rest }
	for _, tc := range []struct {
		name    string
		req     ProfileRequest
		wantARN string
		code    string
	}{
		{"None", ProfileRequest{}, "", ""},
		{"Name", ProfileRequest{Name: "app+1=,.@_-"}, arn("/app+1=,.@_-"), ""},
		{"ARN", ProfileRequest{ARN: arn("/app")}, arn("/app"), ""},
		{"ARNWithPath", ProfileRequest{ARN: arn("/a/b/app")}, arn("/a/b/app"), ""},
		{"Both", ProfileRequest{ARN: arn("/a/app"), Name: "app"}, arn("/a/app"), ""},
		{"BothDiffer", ProfileRequest{ARN: arn("/a/app"), Name: "other"}, "", "InvalidParameterCombination"},
		{"OtherAccount", ProfileRequest{ARN: "arn:aws:iam::222222222222:instance-profile/app"}, "", "InvalidParameterValue"},
		{"Role", ProfileRequest{ARN: "arn:aws:iam::" + caller + ":role/app"}, "", "InvalidParameterValue"},
		{"NoName", ProfileRequest{ARN: arn("/")}, "", "InvalidParameterValue"},
		{"BadNameInARN", ProfileRequest{ARN: arn("/a b")}, "", "InvalidParameterValue"},
		{"LongPath", ProfileRequest{ARN: arn("/" + strings.Repeat("p", 511) + "/app")}, "", "InvalidParameterValue"},
		{"PathOf512", ProfileRequest{ARN: arn("/" + strings.Repeat("p", 510) + "/app")}, arn("/" + strings.Repeat("p", 510) + "/app"), ""},
		{"NameOf64", ProfileRequest{Name: strings.Repeat("n", 64)}, arn("/" + strings.Repeat("n", 64)), ""},
		{"NameOf65", ProfileRequest{Name: strings.Repeat("n", 65)}, "", "InvalidParameterValue"},
		{"NameWithSlash", ProfileRequest{Name: "a/b"}, "", "InvalidParameterValue"},
		{"NotUTF8", ProfileRequest{Name: "\xff"}, "", "InvalidParameterValue"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := ResolveProfile(caller, tc.req)
			wantCode(t, err, tc.code)
			if p.ARN != tc.wantARN {
				t.Errorf("ARN %q, want %q", p.ARN, tc.wantARN)
			}
		})
	}
}

func TestInstanceProfile(t *testing.T) {
	p := InstanceProfile{ARN: "arn:aws:iam::111111111111:instance-profile/a/b/app"}
	if p.Name() != "app" || p.Role() != "app" {
		t.Errorf("name %q, role %q; want app", p.Name(), p.Role())
	}
	id := p.ID()
	if len(id) != 21 || !strings.HasPrefix(id, "AIPA") || strings.Trim(id[4:], "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567") != "" {
		t.Errorf("ID %q: want AIPA and 17 base32 characters", id)
	}
	if other := (InstanceProfile{ARN: p.ARN + "2"}).ID(); other == id {
		t.Errorf("two profiles share the ID %s", id)
	}
	var none InstanceProfile
	if !none.IsZero() || none.Name() != "" || none.Role() != "" || none.ID() != "" {
		t.Errorf("the zero profile: %q %q %q", none.Name(), none.Role(), none.ID())
	}
}
