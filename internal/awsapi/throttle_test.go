package awsapi_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"

	"github.com/tollgate/tollgate/internal/awsapi"
	"github.com/tollgate/tollgate/internal/fault"
)

// TestThrottlingCauseGoesToTheLog: a request the store could not serve for
// contention is answered ThrottlingException with a message that says to
// try again and no database text; the database's error, with where it came
// from, is logged for the operator.
func TestThrottlingCauseGoesToTheLog(t *testing.T) {
	var logged bytes.Buffer
	cause := errors.New("ERROR: could not serialize access due to concurrent update (SQLSTATE 40001)")
	svc := &awsapi.Service{Protocol: awsapi.JSON11, SigningName: "fakejson", TargetPrefix: jsonPrefix,
		Operations: map[string]awsapi.Handler{
			"Contended": func(context.Context, *awsapi.Call) (any, error) {
				err := error(&fault.Error{Kind: fault.Throttled, Message: "too much contention; try again", Err: cause})
				fault.Annotate(&err, "store: add a seat of Seats of license arn:l")
				return nil, err
			},
		}}
	rt := awsapi.NewRouter(okAuth, slog.New(slog.NewTextHandler(&logged, nil)), nil, svc)
	w := serve(t, rt, jsonCall("Contended", "{}"))
	body := w.Body.String()
	if !strings.Contains(body, "ThrottlingException") || !strings.Contains(body, "try again") || strings.Contains(body, "SQLSTATE") || strings.Contains(body, "store:") {
		t.Errorf("HTTP %d %s: want a ThrottlingException that says to try again, without the database's text or the store's", w.Code, body)
	}
	if log := logged.String(); !strings.Contains(log, "SQLSTATE 40001") || !strings.Contains(log, "store: add a seat") {
		t.Errorf("the log does not hold the cause: %s", log)
	}
}
