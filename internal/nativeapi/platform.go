package nativeapi

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/tollgate/tollgate/internal/fault"
	"github.com/tollgate/tollgate/pkg/identitydoc"
)

// Metadata is what the API tells of the instance metadata service: the
// certificate its identity documents verify under, and instances'
// endpoints. app.App implements it.
type Metadata interface {
	// IdentityCertificate returns the platform certificate, PEM.
	IdentityCertificate(ctx context.Context) ([]byte, error)
	// MetadataEndpoint returns the metadata endpoint of one of caller's
	// instances.
	MetadataEndpoint(ctx context.Context, caller, instanceID string) (string, error)
}

var errNoMetadata = fault.New(fault.Unavailable, "this server has no instance metadata service")

// pemType is the media type of the certificate.
const pemType = "application/x-pem-file"

// MetadataEndpoint is where stock clients read an instance's metadata.
type MetadataEndpoint struct {
	InstanceId string `json:"InstanceId" example:"i-0123456789abcdef0"`
	Endpoint   string `json:"Endpoint" doc:"Set AWS_EC2_METADATA_SERVICE_ENDPOINT to it: aws-sdk-go-v2, botocore, boto3 and the AWS CLI then read the instance's metadata (and its role's credentials) as software inside it does. It holds a key: whoever has it reads what the instance reads." example:"http://i-0123456789abcdef0:KEY@127.0.0.1:7071/i-0123456789abcdef0/KEY/"`
}

type (
	certificateOutput struct {
		ContentType string `header:"Content-Type"`
		Body        []byte
	}
	metadataEndpointInput struct {
		ID string `path:"id" pattern:"^i-([0-9a-f]{8}|[0-9a-f]{17})$" patternDescription:"an instance ID: i- and 17 (or 8) lowercase hex digits" doc:"The instance ID." example:"i-0123456789abcdef0"`
	}
	metadataEndpointOutput struct{ Body MetadataEndpoint }
)

func (a *API) registerPlatform() {
	op := operation("GetIdentityCertificate", http.MethodGet, identitydoc.CertificatePath, "Instances", http.StatusOK,
		"The instance identity certificate",
		"The platform's self-signed certificate, PEM, under whose key the instance metadata service signs instance identity "+
			"documents (their signature, pkcs7 and rsa2048). Served without authentication: sellers' software pins it and verifies "+
			"documents offline (Go: pkg/identitydoc).")
	op.Security = []map[string][]string{}
	op.Responses = map[string]*huma.Response{"200": {Description: "The certificate, PEM.",
		Content: map[string]*huma.MediaType{pemType: {Schema: &huma.Schema{Type: "string"}}}}}
	registerOp(a, op, func(ctx context.Context, _ *struct{}) (*certificateOutput, error) {
		if a.cfg.Metadata == nil {
			return nil, errNoMetadata
		}
		pem, err := a.cfg.Metadata.IdentityCertificate(ctx)
		if err != nil {
			return nil, err
		}
		return &certificateOutput{ContentType: pemType, Body: pem}, nil
	})
	registerOp(a, operation("GetMetadataEndpoint", http.MethodGet, "/v1/instances/{id}/metadata-endpoint", "Instances", http.StatusOK,
		"An instance's metadata endpoint",
		"The URL that, as AWS_EC2_METADATA_SERVICE_ENDPOINT, makes the stock AWS clients act as the instance towards the instance "+
			"metadata service. Only the instance's owner is given it."),
		func(ctx context.Context, in *metadataEndpointInput) (*metadataEndpointOutput, error) {
			caller, err := callerID(ctx)
			if err != nil {
				return nil, err
			}
			if a.cfg.Metadata == nil {
				return nil, errNoMetadata
			}
			ep, err := a.cfg.Metadata.MetadataEndpoint(ctx, caller, in.ID)
			if err != nil {
				return nil, err
			}
			return &metadataEndpointOutput{Body: MetadataEndpoint{InstanceId: in.ID, Endpoint: ep}}, nil
		})
}
