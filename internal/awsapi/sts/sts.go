// Package sts serves the AWS Security Token Service operations Tollgate
// needs: GetCallerIdentity, the smallest proof that a client
// authenticates, and AssumeRoleWithWebIdentity, which turns the access
// token of License Manager's token flow into temporary credentials (the
// license domain decides; see license.Service.AssumeRoleWithWebIdentity).
package sts

import (
	"context"
	"strconv"
	"time"

	"github.com/tollgate/tollgate/internal/awsapi"
	"github.com/tollgate/tollgate/internal/fault"
	"github.com/tollgate/tollgate/internal/license"
)

// Namespace is the XML namespace of STS responses.
const Namespace = "https://sts.amazonaws.com/doc/2011-06-15/"

// WebIdentity exchanges web identity tokens for temporary credentials.
type WebIdentity interface {
	AssumeRoleWithWebIdentity(ctx context.Context, in license.AssumeRoleWithWebIdentityInput) (license.AssumeRoleWithWebIdentityOutput, error)
}

// Service returns the STS service definition. AssumeRoleWithWebIdentity is
// served unsigned, as AWS serves it and as the SDKs send it.
func Service(identity WebIdentity) *awsapi.Service {
	return &awsapi.Service{
		Protocol:    awsapi.AWSQuery,
		SigningName: "sts",
		Version:     "2011-06-15",
		Namespace:   Namespace,
		Operations: map[string]awsapi.Handler{
			"GetCallerIdentity":         getCallerIdentity,
			"AssumeRoleWithWebIdentity": assumeRoleWithWebIdentity(identity),
		},
		Errors:    []string{"InvalidIdentityToken", "ExpiredTokenException"},
		Anonymous: []string{"AssumeRoleWithWebIdentity"},
		Scoped:    []string{"GetCallerIdentity"},
	}
}

type callerIdentity struct {
	Arn     string `xml:"Arn"`
	UserId  string `xml:"UserId"`
	Account string `xml:"Account"`
}

func getCallerIdentity(_ context.Context, call *awsapi.Call) (any, error) {
	p := call.Principal
	userID := p.AccountID
	if p.RoleArn != "" {
		userID = "AROA" + p.AccessKeyID[min(4, len(p.AccessKeyID)):] + ":" + p.SessionName
	}
	return callerIdentity{Arn: p.ARN(), UserId: userID, Account: p.AccountID}, nil
}

// assumeRoleWithWebIdentityResult is the AssumeRoleWithWebIdentityResult
// element of the STS model.
type assumeRoleWithWebIdentityResult struct {
	Credentials struct {
		AccessKeyId     string `xml:"AccessKeyId"`
		SecretAccessKey string `xml:"SecretAccessKey"`
		SessionToken    string `xml:"SessionToken"`
		Expiration      string `xml:"Expiration"`
	} `xml:"Credentials"`
	SubjectFromWebIdentityToken string `xml:"SubjectFromWebIdentityToken"`
	AssumedRoleUser             struct {
		AssumedRoleId string `xml:"AssumedRoleId"`
		Arn           string `xml:"Arn"`
	} `xml:"AssumedRoleUser"`
	Provider string `xml:"Provider"`
	Audience string `xml:"Audience"`
}

func assumeRoleWithWebIdentity(identity WebIdentity) awsapi.Handler {
	return func(ctx context.Context, call *awsapi.Call) (any, error) {
		in, err := assumeRoleWithWebIdentityIn(call.Params)
		if err != nil {
			return nil, err
		}
		out, err := identity.AssumeRoleWithWebIdentity(ctx, in)
		if err != nil {
			return nil, err
		}
		var r assumeRoleWithWebIdentityResult
		r.Credentials.AccessKeyId, r.Credentials.SecretAccessKey, r.Credentials.SessionToken = out.AccessKeyID, out.SecretAccessKey, out.SessionToken
		r.Credentials.Expiration = out.Expiration.UTC().Format(time.RFC3339)
		r.SubjectFromWebIdentityToken = out.SubjectFromWebIdentityToken
		r.AssumedRoleUser.AssumedRoleId, r.AssumedRoleUser.Arn = out.AssumedRoleID, out.AssumedRoleArn
		r.Provider, r.Audience = out.Provider, out.Audience
		return r, nil
	}
}

// assumeRoleWithWebIdentityIn reads the request's parameters; the domain
// validates them.
func assumeRoleWithWebIdentityIn(p awsapi.Params) (license.AssumeRoleWithWebIdentityInput, error) {
	in := license.AssumeRoleWithWebIdentityInput{RoleArn: p.Get("RoleArn"), RoleSessionName: p.Get("RoleSessionName"),
		WebIdentityToken: p.Get("WebIdentityToken"), ProviderId: p.Get("ProviderId"), Policy: p.Get("Policy")}
	if d := p.Get("DurationSeconds"); d != "" {
		n, err := strconv.Atoi(d)
		if err != nil {
			return in, fault.New(fault.Invalid, "1 validation error detected: Value '%.64s' at 'durationSeconds' failed to satisfy constraint: Member must be an integer", d)
		}
		in.DurationSeconds = &n
	}
	for i := 1; ; i++ {
		a := p.Get("PolicyArns.member." + strconv.Itoa(i) + ".arn")
		if a == "" {
			break
		}
		in.PolicyArns = append(in.PolicyArns, a)
	}
	return in, nil
}
