package nativeapi_test

import (
	"net"
	"net/http"
	"strings"
	"testing"

	"github.com/tollgate/tollgate/internal/app"
	"github.com/tollgate/tollgate/internal/compute"
	"github.com/tollgate/tollgate/internal/image"
	"github.com/tollgate/tollgate/internal/nativeapi"
	"github.com/tollgate/tollgate/internal/nativeapi/apitest"
	"github.com/tollgate/tollgate/pkg/identitydoc"
)

// TestMetadataEndpoint: anyone fetches the identity certificate, without
// signing; only an instance's owner is given its metadata endpoint, which
// names the metadata listener and answers as the instance; without a
// listener the answer says so.
func TestMetadataEndpoint(t *testing.T) {
	e := start(t, app.AuthStrict)
	ctx := t.Context()
	anon := &apitest.Client{T: t, BaseURL: e.URL}
	r := anon.Do(http.MethodGet, identitydoc.CertificatePath, nil).Want(t, 200)
	if r.Header.Get("Content-Type") != "application/x-pem-file" {
		t.Errorf("certificate served as %q", r.Header.Get("Content-Type"))
	}
	if _, err := identitydoc.ParseCertificate(r.Body); err != nil {
		t.Errorf("the certificate served: %v", err)
	}
	cert, err := identitydoc.FetchCertificate(ctx, nil, e.URL)
	if err != nil || cert == nil {
		t.Fatalf("FetchCertificate: %v", err)
	}

	img, err := e.App.Images.Register(ctx, e.BuyerID, image.RegisterInput{Name: "buyer's own"})
	if err != nil {
		t.Fatal(err)
	}
	insts, err := e.App.Instances.Run(ctx, e.BuyerID, compute.RunInput{ImageID: img.ID, InstanceType: "m5.large", MinCount: 1, MaxCount: 1, Region: "us-east-1"})
	if err != nil {
		t.Fatal(err)
	}
	id := insts[0].ID
	path := "/v1/instances/" + id + "/metadata-endpoint"
	e.Buyer.Do(http.MethodGet, path, nil).Want(t, 503)

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + ln.Addr().String()
	go func() { _ = e.App.ServeMetadata(ctx, ln, base) }()
	for range 100 {
		if _, ok := e.App.MetadataURL(); ok {
			break
		}
	}
	var ep nativeapi.MetadataEndpoint
	e.Buyer.Do(http.MethodGet, path, nil).Want(t, 200).JSON(t, &ep)
	if ep.InstanceId != id || !strings.HasPrefix(ep.Endpoint, "http://"+id+":") || !strings.Contains(ep.Endpoint, "@"+ln.Addr().String()+"/"+id+"/") {
		t.Errorf("endpoint %+v", ep)
	}
	resp, err := http.Get(ep.Endpoint + "latest/meta-data/instance-id")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("the endpoint answers HTTP %d", resp.StatusCode)
	}
	e.Seller.Do(http.MethodGet, path, nil).Want(t, 404)
	e.Buyer.Do(http.MethodGet, "/v1/instances/i-0123456789abcdef0/metadata-endpoint", nil).Want(t, 404)
	e.Buyer.Do(http.MethodGet, "/v1/instances/i-zz/metadata-endpoint", nil).Want(t, 400)
	anon.Do(http.MethodGet, path, nil).Want(t, 401)
}
