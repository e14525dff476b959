package nativeapi

import (
	"context"
	"net/http"
)

// WhoAmI is the caller's identity.
type WhoAmI struct {
	AccountId       string `json:"AccountId" example:"333333333333"`
	Arn             string `json:"Arn" example:"arn:aws:iam::333333333333:root"`
	AccessKeyId     string `json:"AccessKeyId,omitempty" doc:"The access key the request was signed with."`
	AuthenticatedBy string `json:"AuthenticatedBy" enum:"sigv4,session,emulator-default-account" doc:"How the request was authenticated."`
}

type whoAmIOutput struct{ Body WhoAmI }

func (a *API) registerWhoAmI() {
	registerOp(a, operation("WhoAmI", http.MethodGet, "/v1/whoami", "Identity", http.StatusOK,
		"Who the caller is",
		"The account the request acts as, and how it was authenticated: the native API's get-caller-identity."),
		func(ctx context.Context, _ *struct{}) (*whoAmIOutput, error) {
			if _, err := callerID(ctx); err != nil {
				return nil, err
			}
			info := infoFrom(ctx)
			return &whoAmIOutput{Body: WhoAmI{AccountId: info.principal.AccountID, Arn: info.principal.ARN(),
				AccessKeyId: info.principal.AccessKeyID, AuthenticatedBy: info.via}}, nil
		})
}
