package nativeapi

import (
	"encoding/base64"
	"strconv"
	"strings"

	"github.com/tollgate/tollgate/internal/fault"
)

// DefaultMaxResults is how many items a list answers unless MaxResults says
// fewer; it is also the most it answers.
const DefaultMaxResults = 100

// PageParams are the query parameters of every list.
type PageParams struct {
	MaxResults int    `query:"MaxResults" minimum:"1" maximum:"100" default:"100" doc:"The most items to return (1 to 100)."`
	NextToken  string `query:"NextToken" doc:"The NextToken of the previous page, to continue from it."`
}

// tokenPrefix versions the tokens the API issues for the lists it pages
// itself, so that their form can change without old ones being misread.
// Lists the domain pages carry the domain's own opaque tokens.
const tokenPrefix = "t1:"

// encodeToken wraps a continuation key as an opaque token; "" stays ""
// (the last page).
func encodeToken(next string) string {
	if next == "" {
		return ""
	}
	return base64.RawURLEncoding.EncodeToString([]byte(tokenPrefix + next))
}

// decodeToken reads a token encodeToken wrote.
func decodeToken(token string) (string, error) {
	if token == "" {
		return "", nil
	}
	b, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil || !strings.HasPrefix(string(b), tokenPrefix) || len(b) == len(tokenPrefix) {
		return "", badToken()
	}
	return strings.TrimPrefix(string(b), tokenPrefix), nil
}

func badToken() error {
	return fault.InvalidFields([]fault.FieldError{{Field: "NextToken", Code: "invalid_token",
		Message: "is not a NextToken this list returned; pass the NextToken of the previous page as it was, or none for the first page"}})
}

// limit is the page size a request asks for.
func (p PageParams) limit() int {
	if p.MaxResults <= 0 || p.MaxResults > DefaultMaxResults {
		return DefaultMaxResults
	}
	return p.MaxResults
}

// pageOf pages through a list the domain returns whole (offers, price
// versions, charges, instance types: each short): the token is the offset
// of the next page.
func pageOf[T any](items []T, p PageParams) ([]T, string, error) {
	start := 0
	if p.NextToken != "" {
		raw, err := decodeToken(p.NextToken)
		if err != nil {
			return nil, "", err
		}
		n, ok := strings.CutPrefix(raw, "o:")
		start, err = strconv.Atoi(n)
		if !ok || err != nil || start < 0 || start > len(items) {
			return nil, "", badToken()
		}
	}
	end := min(len(items), start+p.limit())
	next := ""
	if end < len(items) {
		next = encodeToken("o:" + strconv.Itoa(end))
	}
	return append(make([]T, 0, end-start), items[start:end]...), next, nil
}
