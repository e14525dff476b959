package storetest

import (
	"testing"
	"time"

	"github.com/tollgate/tollgate/internal/fault"
	"github.com/tollgate/tollgate/internal/license"
)

var _ = register("LicenseTokensAndAnswers", LicenseTokensAndAnswers)

// LicenseTokensAndAnswers tests refresh tokens read by ID and marked
// deleted (still listed, still found by their secret, with the new status),
// and the answers kept for client tokens: read back with the time they were
// kept, and forgotten one at a time.
func LicenseTokensAndAnswers(t *testing.T, open Opener) {
	db := open(t)
	ctx := t.Context()
	lm := db.Licenses()
	const buyer = "333333333333"
	tok := license.Token{TokenId: "token-1", TokenType: license.RefreshTokenType, LicenseArn: "arn:aws:license-manager::222222222222:license:l-1",
		TokenProperties: []string{"on-prem"}, Status: license.TokenAvailable, Account: buyer, Secret: "secret-1", Expires: Epoch.Add(time.Hour)}
	NoError(t, lm.Update(ctx, func(tx license.Tx) error {
		if err := tx.PutToken(tok); err != nil {
			return err
		}
		return tx.PutIdempotent(buyer, "CreateToken", "client-1", "hash-1", []byte(`{"TokenId":"token-1"}`), Epoch)
	}), "store a token and an answer")

	want := tok
	want.Secret = ""
	got, err := lm.Token(ctx, tok.TokenId)
	NoError(t, err, "token by ID")
	Diff(t, "token by ID", want, got)
	_, err = lm.Token(ctx, "token-unknown")
	WantKind(t, err, fault.NotFound)

	NoError(t, lm.Update(ctx, func(tx license.Tx) error { return tx.SetTokenStatus(tok.TokenId, license.TokenDeleted) }), "delete the token")
	want.Status = license.TokenDeleted
	got, err = lm.Token(ctx, tok.TokenId)
	NoError(t, err, "deleted token by ID")
	Diff(t, "deleted token by ID", want, got)
	bySecret, err := lm.GetTokenBySecret(ctx, tok.Secret)
	NoError(t, err, "deleted token by secret")
	Diff(t, "deleted token by secret", want, bySecret)
	listed, err := lm.ListTokens(ctx, buyer)
	NoError(t, err, "list tokens")
	Diff(t, "listed tokens", []license.Token{want}, listed)

	answer, err := lm.Idempotent(ctx, buyer, "CreateToken", "client-1")
	NoError(t, err, "answer")
	Diff(t, "answer", license.Answer{RequestHash: "hash-1", Response: []byte(`{"TokenId":"token-1"}`), At: Epoch}, answer)
	NoError(t, lm.Update(ctx, func(tx license.Tx) error {
		if err := tx.DeleteIdempotent(buyer, "CreateToken", "client-1"); err != nil {
			return err
		}
		// Forgotten, the client token takes a new answer.
		return tx.PutIdempotent(buyer, "CreateToken", "client-1", "hash-2", []byte(`{}`), Epoch.Add(time.Hour))
	}), "forget the answer and keep another")
	answer, err = lm.Idempotent(ctx, buyer, "CreateToken", "client-1")
	NoError(t, err, "new answer")
	Diff(t, "new answer", license.Answer{RequestHash: "hash-2", Response: []byte(`{}`), At: Epoch.Add(time.Hour)}, answer)
}
