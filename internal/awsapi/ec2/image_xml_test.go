package ec2

import (
	"bytes"
	"encoding/xml"
	"reflect"
	"strings"
	"testing"

	"github.com/tollgate/tollgate/internal/testrand"
)

// TestImageXMLAsEncoder: appendXML writes every image exactly as
// encoding/xml writes the imageXML struct, for images whose every field is
// set (filled by reflection, so that a field added to imageXML and not to
// appendXML fails here), with text that needs escaping, and with none set.
func TestImageXMLAsEncoder(t *testing.T) {
	r := testrand.New(t)
	words := []string{"", "ami-0123", "a<b>&c", `"quoted" 'single'`, "tab\there\nnew\rline", "ünïcödé", "bad\xffutf8", "\x01ctl", "]]>", "plain"}
	var fill func(v reflect.Value)
	fill = func(v reflect.Value) {
		switch v.Kind() {
		case reflect.String:
			v.SetString(words[r.IntN(len(words))])
		case reflect.Bool:
			v.SetBool(r.IntN(2) == 1)
		case reflect.Int64:
			v.SetInt(int64(r.IntN(3)) * r.Int64N(1<<40))
		case reflect.Pointer:
			if r.IntN(4) > 0 {
				v.Set(reflect.New(v.Type().Elem()))
				fill(v.Elem())
			}
		case reflect.Slice:
			n := r.IntN(3)
			v.Set(reflect.MakeSlice(v.Type(), n, n))
			for i := range n {
				fill(v.Index(i))
			}
		case reflect.Struct:
			for i := range v.NumField() {
				fill(v.Field(i))
			}
		default:
			t.Fatalf("a field of kind %s: teach appendXML and this test about it", v.Kind())
		}
	}
	cases := []imageXML{{}}
	for range 300 {
		var x imageXML
		fill(reflect.ValueOf(&x).Elem())
		cases = append(cases, x)
	}
	var full imageXML
	for range 50 { // until every pointer is set at least once
		fill(reflect.ValueOf(&full).Elem())
		if full.ProductCodes != nil && len(full.BlockDeviceMapping.Items) > 0 && full.BlockDeviceMapping.Items[0].Ebs != nil &&
			full.BlockDeviceMapping.Items[0].NoDevice != nil {
			cases = append(cases, full)
			break
		}
	}
	for i, x := range cases {
		want, err := xml.Marshal(struct {
			XMLName xml.Name `xml:"item"`
			imageXML
		}{imageXML: x})
		if err != nil {
			t.Fatal(err)
		}
		var got bytes.Buffer
		x.appendXML(&got)
		if got.String() != string(want) {
			t.Fatalf("case %d: appendXML wrote\n%s\nencoding/xml writes\n%s", i, got.String(), want)
		}
	}
}

// TestImagesStreamAsResponse: the streamed DescribeImages answer is the
// one the response struct encodes to.
func TestImagesStreamAsResponse(t *testing.T) {
	x := imageXML{ImageID: "ami-0123456789abcdef0", Name: "n & m", BlockDeviceMapping: itemsOf([]blockDeviceXML{{DeviceName: "/dev/xvda"}})}
	want, err := xml.Marshal(struct {
		XMLName xml.Name `xml:"x"`
		describeImagesResponse
	}{describeImagesResponse: describeImagesResponse{Images: itemsOf([]imageXML{x, x}), NextToken: "tok"}})
	if err != nil {
		t.Fatal(err)
	}
	var got bytes.Buffer
	got.WriteString("<x><imagesSet>")
	x.appendXML(&got)
	x.appendXML(&got)
	got.WriteString("</imagesSet>")
	text(&got, "nextToken", "tok")
	got.WriteString("</x>")
	if got.String() != string(want) {
		t.Errorf("got\n%s\nwant\n%s", got.String(), want)
	}
	if !strings.Contains(got.String(), "n &amp; m") {
		t.Errorf("not escaped: %s", got.String())
	}
}
