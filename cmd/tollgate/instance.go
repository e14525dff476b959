package main

import (
	"encoding/pem"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/tollgate/tollgate/internal/nativeapi"
	"github.com/tollgate/tollgate/pkg/identitydoc"
)

func instanceCommand() *cobra.Command {
	cmd := &cobra.Command{Use: "instance", Annotations: tree, Short: "reach an instance's metadata service (native API)"}
	var id string
	endpoint := clientCommand(&cobra.Command{
		Use:   "metadata-endpoint --instance-id ID [flags]",
		Short: "print the URL to set as AWS_EC2_METADATA_SERVICE_ENDPOINT to act as an instance",
		Long: `Print the metadata endpoint of the instance ID (i-...), which must be one of the
caller's: the URL that, set as AWS_EC2_METADATA_SERVICE_ENDPOINT, makes the
stock AWS clients (aws-sdk-go-v2, boto3, botocore, the AWS CLI) read the
instance metadata service as software inside that instance does: its
instance ID, product codes, identity document, and its role's credentials
through the default credential chain. The URL holds a key: whoever has it
reads what the instance reads. The server must serve the metadata service
(serve --imds-listen, on by default). The URL is printed alone, not as JSON,
so that it can be exported as it is.`,
		Example: `  tollgate instance metadata-endpoint --instance-id i-0123456789abcdef0
  export AWS_EC2_METADATA_SERVICE_ENDPOINT=$(tollgate instance metadata-endpoint --instance-id i-0123456789abcdef0)
  curl -s "$AWS_EC2_METADATA_SERVICE_ENDPOINT"latest/meta-data/product-codes`,
	}, argSpec{required: []string{"instance-id"}}, func(cmd *cobra.Command, c *client, _ []string) error {
		var ep nativeapi.MetadataEndpoint
		if err := c.call(cmd.Context(), http.MethodGet, "/v1/instances/"+escape(id)+"/metadata-endpoint", nil, &ep); err != nil {
			return err
		}
		_, err := fmt.Fprintln(cmd.OutOrStdout(), ep.Endpoint)
		return err
	})
	endpoint.Flags().StringVar(&id, "instance-id", "", "the instance `ID` (required)")
	cmd.AddCommand(endpoint)
	return cmd
}

// unsigned marks a command that calls the server without keys.
const unsigned = "unsigned"

func platformCommand() *cobra.Command {
	cmd := &cobra.Command{Use: "platform", Annotations: tree, Short: "read what the platform publishes (native API)"}
	var endpointURL string
	var timeout time.Duration
	cert := &cobra.Command{
		Annotations: map[string]string{unsigned: "yes"},
		Use:         "identity-certificate [flags]",
		Short:       "print the certificate instance identity documents verify under (PEM)",
		Long: `Print the platform's self-signed certificate, PEM, under whose key the
instance metadata service signs instance identity documents (.../signature,
.../pkcs7, .../rsa2048). Sellers pin it and verify documents offline (Go:
pkg/identitydoc; openssl smime -verify -certfile). It is served without
authentication, so no keys are needed: fetch it over a connection you trust.
The server is --endpoint-url, or AWS_ENDPOINT_URL (default ` + DefaultEndpoint + `).`,
		Example: `  tollgate platform identity-certificate > tollgate-identity.pem`,
	}
	cert.Flags().StringVar(&endpointURL, "endpoint-url", "", "the server's `URL` (env AWS_ENDPOINT_URL; default "+DefaultEndpoint+")")
	cert.Flags().DurationVar(&timeout, "cli-read-timeout", 60*time.Second, "how long (`DURATION`) to wait for the server's answer")
	cert.RunE = argSpec{}.runE(func(cmd *cobra.Command, _ []string) error {
		ep := endpointURL
		if !cmd.Flags().Changed("endpoint-url") {
			ep = os.Getenv("AWS_ENDPOINT_URL")
		}
		ep = strings.TrimSuffix(ep, "/")
		if ep == "" {
			ep = DefaultEndpoint
		}
		if u, err := url.Parse(ep); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return usageError("--endpoint-url %q is not an http or https URL such as %s", ep, DefaultEndpoint)
		}
		c, err := identitydoc.FetchCertificate(cmd.Context(), &http.Client{Timeout: timeout}, ep)
		if err != nil {
			return err
		}
		return pem.Encode(cmd.OutOrStdout(), &pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})
	})
	cmd.AddCommand(cert)
	return cmd
}
