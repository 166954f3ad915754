package engine

import (
	"context"
	"errors"
	"testing"

	"github.com/pkgql/pkgql/provider"
)

// A change is reported as failed only when it surely was not made.
func TestMutationOutcomes(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		err     error
		stopped bool
		want    string
	}{
		{"done", nil, false, "deleted"},
		{"refused", &provider.Error{Kind: provider.KindNotFound, HTTPStatus: 404}, false, "refused"},
		{"answer lost, check failed", &provider.Error{Kind: provider.KindUncertain, HTTPStatus: 502}, false, unknown},
		{"stopped in flight", &provider.Error{Kind: provider.KindCanceled}, true, unknown},
		{"stopped in flight, context error", context.Canceled, true, unknown},
		{"refused while stopping", &provider.Error{Kind: provider.KindAuth, HTTPStatus: 403}, true, "refused"},
		{"provider broken", &provider.Error{Kind: provider.KindInternal}, false, "failed"},
		{"not a provider error", errors.New("boom"), false, "failed"},
	} {
		if got := classify(provider.Result{}, tc.err, "deleted", tc.stopped); got.result != tc.want {
			t.Errorf("%s: %s, want %s", tc.name, got.result, tc.want)
		}
	}
}
