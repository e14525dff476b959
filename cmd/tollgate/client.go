package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/spf13/cobra"

	"github.com/tollgate/tollgate/internal/nativeapi"
)

// DefaultEndpoint is the server the client commands call unless told
// otherwise: where `tollgate serve` listens by default.
const DefaultEndpoint = "http://" + DefaultAddr

// clientFlags are the flags every client command takes to find the server
// and sign its requests. As for the AWS CLI, a flag wins over the
// environment (AWS_ENDPOINT_URL, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY,
// AWS_SESSION_TOKEN, AWS_REGION or AWS_DEFAULT_REGION), which wins over the
// default. The environment is read when the command runs, so that --help
// never prints a secret.
type clientFlags struct {
	cmd          *cobra.Command
	endpoint     string
	accessKey    string
	secretKey    string
	sessionToken string
	region       string
	timeout      time.Duration
}

func (c *clientFlags) register(cmd *cobra.Command) {
	c.cmd = cmd
	f := cmd.Flags()
	f.StringVar(&c.endpoint, "endpoint-url", "", "the server's `URL` (env AWS_ENDPOINT_URL; default "+DefaultEndpoint+")")
	f.StringVar(&c.accessKey, "access-key-id", "", "the access `KEY` ID to sign with (env AWS_ACCESS_KEY_ID)")
	f.StringVar(&c.secretKey, "secret-access-key", "", "its `SECRET` (env AWS_SECRET_ACCESS_KEY)")
	f.StringVar(&c.sessionToken, "session-token", "", "a session `TOKEN` to send with the key (env AWS_SESSION_TOKEN)")
	f.StringVar(&c.region, "region", "", "the `REGION` to sign for; any works (env AWS_REGION or AWS_DEFAULT_REGION; default us-east-1)")
	f.DurationVar(&c.timeout, "cli-read-timeout", 60*time.Second, "how long (`DURATION`) to wait for the server's answer")
}

// clientEnvNote is the part of every client command's help that says how
// it finds the server and its keys.
const clientEnvNote = `

The command calls the native API of a running server (tollgate serve) at
--endpoint-url or AWS_ENDPOINT_URL (default ` + DefaultEndpoint + `), signing
with --access-key-id and --secret-access-key or the usual AWS_ACCESS_KEY_ID
and AWS_SECRET_ACCESS_KEY. It prints the answer as JSON; an error is printed
with every invalid field on its own line, and the command exits 1.`

// client is a configured native API client.
type client struct {
	endpoint string
	creds    aws.Credentials
	region   string
	http     *http.Client
}

// client resolves the flags and the environment into a client.
func (c *clientFlags) client() (*client, error) {
	pick := func(flag, value string, env ...string) string {
		if c.cmd.Flags().Changed(flag) {
			return value
		}
		for _, e := range env {
			if v := os.Getenv(e); v != "" {
				return v
			}
		}
		return value
	}
	endpoint := strings.TrimSuffix(pick("endpoint-url", c.endpoint, "AWS_ENDPOINT_URL"), "/")
	if endpoint == "" {
		endpoint = DefaultEndpoint
	}
	if u, err := url.Parse(endpoint); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, usageError("--endpoint-url %q is not an http or https URL such as %s", endpoint, DefaultEndpoint)
	}
	cl := &client{
		endpoint: endpoint,
		creds: aws.Credentials{
			AccessKeyID:     pick("access-key-id", c.accessKey, "AWS_ACCESS_KEY_ID"),
			SecretAccessKey: pick("secret-access-key", c.secretKey, "AWS_SECRET_ACCESS_KEY"),
			SessionToken:    pick("session-token", c.sessionToken, "AWS_SESSION_TOKEN"),
		},
		region: pick("region", c.region, "AWS_REGION", "AWS_DEFAULT_REGION"),
		http:   &http.Client{Timeout: c.timeout},
	}
	if cl.region == "" {
		cl.region = "us-east-1"
	}
	if cl.creds.AccessKeyID == "" || cl.creds.SecretAccessKey == "" {
		return nil, usageError("no credentials: pass --access-key-id and --secret-access-key, or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY")
	}
	return cl, nil
}

// clientCommand is a leaf command that calls the API: it registers the
// client flags and hands run a configured client.
func clientCommand(cmd *cobra.Command, spec argSpec, run func(cmd *cobra.Command, c *client, args []string) error) *cobra.Command {
	var cf clientFlags
	cf.register(cmd)
	cmd.Long += clientEnvNote
	cmd.RunE = spec.runE(func(cmd *cobra.Command, args []string) error {
		c, err := cf.client()
		if err != nil {
			return err
		}
		return run(cmd, c, args)
	})
	return cmd
}

// call sends method path with body (nil: none) signed with SigV4 for the
// service tollgate, and decodes a success into out; an error answer is
// returned as a *problemError.
func (c *client) call(ctx context.Context, method, path string, body []byte, out any) error {
	req, err := http.NewRequestWithContext(ctx, method, c.endpoint+path, bytes.NewReader(body))
	if err != nil {
		return err
	}
	if body == nil {
		req.Body, req.ContentLength = http.NoBody, 0
	} else {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "tollgate-cli/"+nativeapi.Version)
	sum := sha256.Sum256(body)
	if err := v4.NewSigner().SignHTTP(ctx, c.creds, req, hex.EncodeToString(sum[:]), nativeapi.SigningName, c.region, time.Now()); err != nil {
		return err
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("cannot reach the server at %s: %w", c.endpoint, unwrapURLError(err))
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return fmt.Errorf("reading the server's answer: %w", err)
	}
	if resp.StatusCode >= 300 {
		return problemFrom(resp, raw)
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(raw, out); err != nil {
		return fmt.Errorf("the server's answer (HTTP %d) is not the JSON expected: %v", resp.StatusCode, err)
	}
	return nil
}

func unwrapURLError(err error) error {
	if ue, ok := err.(*url.Error); ok {
		return ue.Err
	}
	return err
}

// problemError is an error answer of the API.
type problemError struct {
	nativeapi.Problem
}

// problemFrom reads an error answer: a problem details object, or whatever
// a proxy in between answered.
func problemFrom(resp *http.Response, raw []byte) error {
	var p nativeapi.Problem
	if err := json.Unmarshal(raw, &p); err != nil || p.Code == "" {
		text := strings.TrimSpace(string(raw))
		if len(text) > 300 {
			text = text[:300] + "..."
		}
		return fmt.Errorf("the server answered HTTP %d: %s", resp.StatusCode, text)
	}
	return &problemError{p}
}

// Error writes the problem as a user reads it: its detail, its code and
// status, then every invalid field on its own line.
func (e *problemError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s (%s, HTTP %d)", strings.TrimSuffix(e.Detail, "."), e.Code, e.Status)
	for _, f := range e.Errors {
		field := f.Field
		if field == "" {
			field = "(body)"
		}
		fmt.Fprintf(&b, "\n  %s: %s [%s]", field, f.Message, f.Code)
	}
	if e.RequestID != "" {
		fmt.Fprintf(&b, "\n  request ID: %s", e.RequestID)
	}
	return b.String()
}

// readBodyFile reads a request body from a file, or standard input for
// "-".
func readBodyFile(cmd *cobra.Command, name string) ([]byte, error) {
	var b []byte
	var err error
	if name == "-" {
		b, err = io.ReadAll(io.LimitReader(cmd.InOrStdin(), nativeapi.MaxBodyBytes+1))
	} else {
		b, err = os.ReadFile(name)
	}
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", name, err)
	}
	if !json.Valid(b) {
		return nil, fmt.Errorf("%s is not JSON: write the request as one JSON object (see --help)", name)
	}
	return b, nil
}

// escape escapes a path segment taken from the command line.
func escape(s string) string { return url.PathEscape(s) }
