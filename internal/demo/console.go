package demo

import (
	"context"
	"fmt"

	"github.com/tollgate/tollgate/internal/account"
)

// SeedPasswords sets each demo account's console password, unless the
// account has one already: a password changed with `tollgate account
// password` survives restarts of the demo.
func SeedPasswords(ctx context.Context, svc *account.Service, w World) error {
	for _, p := range []Party{w.Operator, w.Seller, w.Buyer} {
		has, err := svc.HasPassword(ctx, p.Account.ID)
		if err != nil {
			return err
		}
		if has {
			continue
		}
		if err := svc.SetPassword(ctx, account.SetPasswordInput{AccountID: p.Account.ID, Password: p.Password}); err != nil {
			return fmt.Errorf("demo %s password: %w", p.Role, err)
		}
	}
	return nil
}
