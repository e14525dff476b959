// Package sts serves the AWS Security Token Service operations Tollgate
// needs: GetCallerIdentity, the smallest proof that a client authenticates.
package sts

import (
	"context"

	"github.com/tollgate/tollgate/internal/awsapi"
)

// Namespace is the XML namespace of STS responses.
const Namespace = "https://sts.amazonaws.com/doc/2011-06-15/"

// Service returns the STS service definition.
func Service() *awsapi.Service {
	return &awsapi.Service{
		Protocol:    awsapi.AWSQuery,
		SigningName: "sts",
		Version:     "2011-06-15",
		Namespace:   Namespace,
		Operations: map[string]awsapi.Handler{
			"GetCallerIdentity": getCallerIdentity,
		},
	}
}

type callerIdentity struct {
	Arn     string `xml:"Arn"`
	UserId  string `xml:"UserId"`
	Account string `xml:"Account"`
}

func getCallerIdentity(_ context.Context, call *awsapi.Call) (any, error) {
	p := call.Principal
	return callerIdentity{Arn: p.ARN(), UserId: p.AccountID, Account: p.AccountID}, nil
}
