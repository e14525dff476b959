package awsapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/tollgate/tollgate/internal/account"
	"github.com/tollgate/tollgate/internal/awsapi"
	"github.com/tollgate/tollgate/internal/fault"
)

// Names of the fake services.
const (
	ec2Namespace   = "http://ec2.amazonaws.com/doc/2016-11-15/"
	ec2Version     = "2016-11-15"
	queryNamespace = "https://fakequery.amazonaws.com/doc/2020-01-01/"
	queryVersion   = "2020-01-01"
	jsonPrefix     = "FakeJSON_20200101"
	testRequestID  = "11111111-2222-4333-8444-555555555555"
)

// fakeAuth identifies every request as principal, or refuses it with err;
// scope plays the service of a signature's credential scope.
type fakeAuth struct {
	principal account.Principal
	region    string
	scope     string
	err       error
}

func (f fakeAuth) Identify(context.Context, *http.Request) (awsapi.Identity, error) {
	return awsapi.Identity{Principal: f.principal, Region: f.region, Scope: f.scope}, f.err
}

var okAuth = fakeAuth{principal: account.Principal{AccountID: "123456789012", AccessKeyID: "AKIAFAKE"}, region: "us-east-1"}

// observation is one call to the observer.
type observation struct{ Service, Operation, Code string }

type fakeObserver struct {
	mu  sync.Mutex
	got []observation
}

func (o *fakeObserver) ObserveAWS(service, operation, code string, _ time.Duration) {
	o.mu.Lock()
	o.got = append(o.got, observation{service, operation, code})
	o.mu.Unlock()
}

func discardLog() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// EC2-style result shapes.
type ec2Image struct {
	ImageID     string   `xml:"imageId"`
	Name        string   `xml:"name"`
	ProductCode []string `xml:"productCodes>item>productCode"`
}

type describeImagesResult struct {
	Images []ec2Image `xml:"imagesSet>item"`
}

type returnResult struct {
	Return bool `xml:"return"`
}

// ec2Service is a fake EC2 Query service. Its operations read the Query
// parameters the way real EC2 operations do.
func ec2Service() *awsapi.Service {
	return &awsapi.Service{
		Protocol:    awsapi.EC2Query,
		SigningName: "ec2",
		Version:     ec2Version,
		Namespace:   ec2Namespace,
		Operations: map[string]awsapi.Handler{
			"DescribeImages": func(_ context.Context, call *awsapi.Call) (any, error) {
				ids, err := call.Params.List("ImageId")
				if err != nil {
					return nil, err
				}
				filters, err := call.Params.Members("Filter")
				if err != nil {
					return nil, err
				}
				max, err := call.Params.Int("MaxResults", 1000)
				if err != nil {
					return nil, err
				}
				var res describeImagesResult
				for i, id := range ids {
					if int64(i) >= max {
						break
					}
					img := ec2Image{ImageID: id, Name: "image " + id}
					for _, f := range filters {
						values, err := f.List("Value")
						if err != nil {
							return nil, err
						}
						img.ProductCode = append(img.ProductCode, values...)
					}
					res.Images = append(res.Images, img)
				}
				return res, nil
			},
			"ModifyImageAttribute": func(context.Context, *awsapi.Call) (any, error) {
				return returnResult{Return: true}, nil
			},
			"DeregisterImage": func(_ context.Context, call *awsapi.Call) (any, error) {
				return nil, fault.Coded(fault.NotFound, "InvalidAMIID.NotFound", "The image id '[%s]' does not exist", call.Params.Get("ImageId"))
			},
			"RunInstances": func(context.Context, *awsapi.Call) (any, error) {
				return nil, fault.New(fault.Forbidden, "You are not authorized to perform this operation.")
			},
			"RebootInstances": func(context.Context, *awsapi.Call) (any, error) {
				return nil, io.ErrUnexpectedEOF // unclassified: internal
			},
			"TerminateInstances": func(context.Context, *awsapi.Call) (any, error) {
				panic("boom")
			},
			"NoResult": func(context.Context, *awsapi.Call) (any, error) {
				return nil, nil
			},
			"Stream": func(_ context.Context, call *awsapi.Call) (any, error) {
				n, err := call.Params.Int("Items", 0)
				if err != nil {
					return nil, err
				}
				failAt, err := call.Params.Int("FailAt", -1)
				if err != nil {
					return nil, err
				}
				return streamResult{items: int(n), failAt: int(failAt)}, nil
			},
		},
	}
}

// streamResult streams items <item>i</item> inside <itemSet>, failing
// before item failAt (none when negative).
type streamResult struct{ items, failAt int }

func (s streamResult) WriteXML(_ context.Context, w io.Writer) error {
	if _, err := io.WriteString(w, "<itemSet>"); err != nil {
		return err
	}
	for i := range s.items {
		if i == s.failAt {
			return fault.New(fault.Unavailable, "the store went away at item %d", i)
		}
		if _, err := fmt.Fprintf(w, "<item>%08d</item>", i); err != nil {
			return err
		}
	}
	_, err := io.WriteString(w, "</itemSet>")
	return err
}

type echoResult struct {
	Account string   `xml:"Account"`
	Region  string   `xml:"Region"`
	Names   []string `xml:"Names>member"`
}

// queryService is a fake awsQuery service in the style of STS.
func queryService() *awsapi.Service {
	return &awsapi.Service{
		Protocol:    awsapi.AWSQuery,
		SigningName: "fakequery",
		Version:     queryVersion,
		Namespace:   queryNamespace,
		Operations: map[string]awsapi.Handler{
			"Echo": func(_ context.Context, call *awsapi.Call) (any, error) {
				names, err := call.Params.List("Names.member")
				if err != nil {
					return nil, err
				}
				return echoResult{Account: call.Principal.AccountID, Region: call.Region, Names: names}, nil
			},
			"Fail": func(context.Context, *awsapi.Call) (any, error) {
				return nil, fault.New(fault.Conflict, "the thing <is> & was busy")
			},
		},
	}
}

// JSON request and result shapes, with the kinds of members AWS JSON
// services use.
type jsonTag struct {
	Key   string `json:"Key"`
	Value string `json:"Value"`
}

type jsonInput struct {
	Name       string            `json:"Name"`
	Count      int64             `json:"Count"`
	Ratio      float64           `json:"Ratio"`
	Enabled    bool              `json:"Enabled"`
	Names      []string          `json:"Names"`
	Tags       []jsonTag         `json:"Tags"`
	Nested     *jsonInput        `json:"Nested"`
	Attributes map[string]string `json:"Attributes"`
	Limits     map[string][]int  `json:"Limits"`
}

// jsonService is a fake JSON 1.1 service.
func jsonService() *awsapi.Service {
	return &awsapi.Service{
		Protocol:     awsapi.JSON11,
		SigningName:  "fakejson",
		TargetPrefix: jsonPrefix,
		Operations: map[string]awsapi.Handler{
			"Echo": func(_ context.Context, call *awsapi.Call) (any, error) {
				var in jsonInput
				if err := awsapi.DecodeJSON(call.Body, &in); err != nil {
					return nil, err
				}
				return in, nil
			},
			"Empty": func(context.Context, *awsapi.Call) (any, error) { return nil, nil },
			"Fail": func(context.Context, *awsapi.Call) (any, error) {
				return nil, fault.Coded(fault.Forbidden, "NoEntitlementsAllowedException", "No entitlements \"allowed\" for <this> product")
			},
			"Raw": func(context.Context, *awsapi.Call) (any, error) {
				return json.RawMessage(`{"Raw":true}`), nil
			},
			"Odd": func(context.Context, *awsapi.Call) (any, error) {
				return nil, fault.Coded(fault.Invalid, "OddException", "a code the service does not declare")
			},
		},
		Errors: []string{"NoEntitlementsAllowedException"},
	}
}

func newTestRouter(auth awsapi.Authenticator, obs awsapi.Observer) *awsapi.Router {
	return awsapi.NewRouter(auth, discardLog(), obs, ec2Service(), queryService(), jsonService())
}
