package license

import (
	"strings"

	"github.com/tollgate/tollgate/internal/license/rules"
)

// The limits of what the license manager accepts, in one table. Each is
// applied when a value is created, so that whatever is created stays usable
// by every later operation and fits every store: a license whose issuer name
// makes a fingerprint longer than CheckoutLicense accepts, or a count that
// wraps around when units are added up, could be created once and never
// used again.
const (
	// MaxQuantity bounds MaxCount, a checkout's quantity and every counter
	// of units (rules.MaxQuantity).
	MaxQuantity = rules.MaxQuantity

	// MaxStringLength bounds every string of every request that no tighter
	// limit below names.
	MaxStringLength = 4096
	// MaxClientTokenLength is the ClientToken shape's limit in the AWS model.
	MaxClientTokenLength = 2048
	// MaxARNLength is the Arn shape's limit in the AWS model.
	MaxARNLength = 2048
	// maxStatusReasonLength is the StatusReasonMessage shape's limit in the
	// AWS model.
	maxStatusReasonLength = 400
	// MaxEntitlementNameLength: an entitlement's name is part of the keys
	// that count its units, and PostgreSQL refuses index rows over 2,704
	// bytes.
	MaxEntitlementNameLength = 1024
	// MaxIssuerNameLength: the issuer name is part of the key fingerprint
	// (FingerprintFor: 36 bytes more with a 12-digit account), which keys the
	// issuer's signing key in the store (an index row, at most 2,704 bytes on
	// PostgreSQL) and which checkouts name as KeyFingerprint (at most
	// MaxStringLength).
	MaxIssuerNameLength = 1024

	// maxEntitlementsPerRecord bounds the entitlements of a license or of a
	// checkout request.
	maxEntitlementsPerRecord = 100
	// maxMetadataPerRecord bounds the metadata of a license or a borrowing.
	maxMetadataPerRecord = 100
	// maxAllowedOperations is the number of operations a grant can allow.
	maxAllowedOperations = 7
	// maxTokenProperties is the AWS model's limit on TokenProperties.
	maxTokenProperties = 3
	// maxPageSize bounds MaxResults.
	maxPageSize = 100

	// maxTTLMinutes bounds a provisional or borrow time to live: a leap
	// year.
	maxTTLMinutes = 60 * 24 * 366
	// maxTokenDays bounds a refresh token's ExpirationInDays, as AWS does.
	maxTokenDays = 730
	// MaxTokenLength is the TokenString shape's limit in the AWS model:
	// GetAccessToken takes no longer refresh token, so CreateToken makes
	// none (long token properties could).
	MaxTokenLength = 4096
	// maxWebIdentityTokenLength and the session name's bounds are those
	// of the STS model's AssumeRoleWithWebIdentity.
	maxWebIdentityTokenLength = 20000
	minSessionNameLength      = 2
	maxSessionNameLength      = 64

	// MaxGrantsPerLicense bounds the grants of a license that are not
	// deleted or rejected, AWS's quota, refused beyond with
	// ResourceLimitExceededException.
	MaxGrantsPerLicense = 2000

	// maxTagsPerResource, maxTagKeyLength and maxTagValueLength are AWS's
	// usual tagging limits, which the License Manager model leaves unsaid.
	maxTagsPerResource = 50
	maxTagKeyLength    = 128
	maxTagValueLength  = 256
)

// stringLimits names the request fields whose strings have a tighter limit
// than MaxStringLength, by their path in validation messages with the list
// positions left out ("entitlements.member.name" for every entitlement's
// name).
var stringLimits = map[string]int{
	"clientToken":              MaxClientTokenLength,
	"statusReason":             maxStatusReasonLength,
	"issuer.name":              MaxIssuerNameLength,
	"entitlements.member.name": MaxEntitlementNameLength,
}

// stringLimit returns the longest value, in bytes, the field at path may
// hold; path is as validation messages name it, list positions included.
func stringLimit(path string) int {
	parts := strings.Split(path, ".")
	kept := parts[:0]
	for _, p := range parts {
		if p == "" || p[0] < '0' || p[0] > '9' {
			kept = append(kept, p)
		}
	}
	if n, ok := stringLimits[strings.Join(kept, ".")]; ok {
		return n
	}
	return MaxStringLength
}
