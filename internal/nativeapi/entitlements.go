package nativeapi

import (
	"context"
	"net/http"
	"time"

	"github.com/tollgate/tollgate/internal/subscription"
)

// Entitlement is the answer of the one entitlement check for the caller.
type Entitlement struct {
	AccountId      string    `json:"AccountId"`
	ProductCode    string    `json:"ProductCode"`
	InstanceType   string    `json:"InstanceType,omitempty"`
	Entitled       bool      `json:"Entitled"`
	Reason         string    `json:"Reason,omitempty" doc:"Why not, when not entitled."`
	SubscriptionId string    `json:"SubscriptionId,omitempty" doc:"The subscription that entitles the caller."`
	CheckedAt      time.Time `json:"CheckedAt" doc:"The marketplace time the check was made at."`
}

type (
	entitlementInput struct {
		ProductCode  string `query:"ProductCode" required:"true" pattern:"^[a-z0-9]{8,25}$" patternDescription:"a product code: 8 to 25 lowercase letters and digits" doc:"The product code to check."`
		InstanceType string `query:"InstanceType" maxLength:"64" pattern:"^[a-z0-9-]+\\.[a-z0-9-]+$" patternDescription:"an instance type such as m5.large" doc:"For image products: the instance type to run."`
	}
	entitlementOutput struct{ Body Entitlement }
)

func (a *API) registerEntitlements() {
	registerOp(a, operation("CheckEntitlement", http.MethodGet, "/v1/entitlements", "Entitlements", http.StatusOK,
		"Check the caller's entitlement",
		"Whether the caller is entitled to a product code (and instance type) now: the same check launches, license "+
			"checkouts and metering make."), a.checkEntitlement)
}

func (a *API) checkEntitlement(ctx context.Context, in *entitlementInput) (*entitlementOutput, error) {
	who, err := callerID(ctx)
	if err != nil {
		return nil, err
	}
	at := a.cfg.Clock.Now().UTC()
	d, err := a.cfg.Subscriptions.Checker().Check(ctx, subscription.Query{Account: who, ProductCode: in.ProductCode,
		InstanceType: in.InstanceType, At: at})
	if err != nil {
		return nil, err
	}
	return &entitlementOutput{Body: Entitlement{AccountId: who, ProductCode: in.ProductCode, InstanceType: in.InstanceType,
		Entitled: d.Entitled, Reason: d.Reason, SubscriptionId: d.SubscriptionID, CheckedAt: at}}, nil
}
