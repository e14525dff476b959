package storetest

import (
	"testing"
	"time"

	"github.com/tollgate/tollgate/internal/fault"
)

var (
	_ = register("Settings", Settings)
	_ = register("Reset", Reset)
)

// Settings tests the platform settings.
func Settings(t *testing.T, open Opener) {
	db := open(t)
	type value struct {
		Value string
		OK    bool
	}
	get := func(t *testing.T, name string) value {
		t.Helper()
		v, ok, err := db.Setting(t.Context(), name)
		NoError(t, err, "get setting "+name)
		return value{v, ok}
	}
	// Steps run in order against one store.
	for _, step := range []struct {
		name       string
		put        *string // nil: only read
		setting    string
		want       value
		wantOthers map[string]value
	}{
		{name: "Missing", setting: "fee.percent", want: value{}},
		{name: "Put", setting: "fee.percent", put: ptr("20"), want: value{"20", true}},
		{name: "Overwrite", setting: "fee.percent", put: ptr("17.5"), want: value{"17.5", true}},
		{name: "EmptyIsNotMissing", setting: "empty", put: ptr(""), want: value{"", true}},
		{name: "Unicode", setting: "greeting", put: ptr("grüß dich 👋\nline two"), want: value{"grüß dich 👋\nline two", true}},
		{name: "OthersUntouched", setting: "fee.fixed", put: ptr("0.15"), want: value{"0.15", true},
			wantOthers: map[string]value{"fee.percent": {"17.5", true}, "empty": {"", true}, "fee": {}}},
	} {
		t.Run(step.name, func(t *testing.T) {
			if step.put != nil {
				NoError(t, db.PutSetting(t.Context(), step.setting, *step.put), "put setting")
			}
			Diff(t, "setting "+step.setting, step.want, get(t, step.setting))
			for name, want := range step.wantOthers {
				Diff(t, "setting "+name, want, get(t, name))
			}
		})
	}
}

func ptr[T any](v T) *T { return &v }

// Reset tests that Reset empties the data and keeps the simulated clock.
func Reset(t *testing.T, open Opener) {
	db := open(t)
	ctx := t.Context()
	a, k := CreateAccount(t, db, 1)
	NoError(t, db.Accounts().CreateAccessKey(ctx, NewKey(a.ID, 1, Epoch)), "create second key")
	CreateAccount(t, db, 2)
	NoError(t, db.PutSetting(ctx, "fee.percent", "20"), "put setting")
	clk := db.SimulatedClock()
	_, err := clk.InitSimulatedTime(ctx, Epoch)
	NoError(t, err, "init simulated time")
	before, err := clk.AdvanceSimulatedTime(ctx, 61*time.Minute)
	NoError(t, err, "advance simulated time")

	NoError(t, db.Reset(ctx), "reset")

	list, err := db.Accounts().ListAccounts(ctx)
	NoError(t, err, "list after reset")
	if len(list) != 0 {
		t.Errorf("%d accounts survive Reset: %v", len(list), list)
	}
	_, err = db.Accounts().GetAccount(ctx, a.ID)
	WantKind(t, err, fault.NotFound)
	_, err = db.Accounts().GetAccessKey(ctx, k.ID)
	WantKind(t, err, fault.NotFound)
	if v, ok, err := db.Setting(ctx, "fee.percent"); err != nil || ok {
		t.Errorf("setting after reset: %q, %v, %v; want it gone", v, ok, err)
	}

	got, ok, err := clk.SimulatedTime(ctx)
	NoError(t, err, "simulated time after reset")
	if !ok || !got.Equal(before) {
		t.Errorf("simulated time after reset: %v (stored %v), want %v kept", got, ok, before)
	}
	// Time still moves forward only, and from where it was.
	_, err = clk.SetSimulatedTime(ctx, Epoch)
	WantKind(t, err, fault.Invalid)

	// The store works normally afterwards, and the old IDs are free again.
	again, againKey := CreateAccount(t, db, 1)
	Diff(t, "recreated account", a, again)
	Diff(t, "recreated key", k, againKey)
	NoError(t, db.Reset(ctx), "reset twice")
	NoError(t, db.Reset(ctx), "reset an empty store")
}
