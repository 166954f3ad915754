package engine

import (
	"context"
	"fmt"

	"github.com/pkgql/pkgql/provider"
)

// A Guarded DELETE method's provider judges the statement as a whole before
// anything is deleted: the engine hands it every key the statement would
// delete in one Check call, and it answers per key, nil or the reason the key
// must stay. Refused keys are reported and not called; the others proceed. A
// check that fails deletes nothing. The engine knows only that the method is
// guarded, not why.

// guard returns, per key, "" or the reason deleting it is refused; nil when
// the method is not guarded or Config.SkipGuard is set.
func (e *Engine) guard(ctx context.Context, st *Statement, res *resource, keys []map[string]string) ([]string, error) {
	m := st.del.method
	if !m.Guarded || e.cfg.SkipGuard || len(keys) == 0 {
		return nil, nil
	}
	req := provider.Request{Service: res.service, Resource: res.schema.Name, Method: m.Name, Check: true, Keys: keys}
	reasons := make([]string, 0, len(keys))
	_, err := res.backend.Provider.Call(ctx, req, func(b provider.Batch) error {
		if b.Progress != nil {
			// The check reads a registry: the progress line counts it.
			e.cfg.Progress(*b.Progress)
		}
		for _, row := range b.Rows {
			r := ""
			if len(row) > 0 {
				if s, ok := row[0].(string); ok {
					r = s
				}
			}
			reasons = append(reasons, r)
		}
		return nil
	})
	if err == nil && len(reasons) != len(keys) {
		err = fmt.Errorf("the provider judged %d of %d keys", len(reasons), len(keys))
	}
	if err != nil {
		msg, hint := err.Error(), "the check must succeed before any deletion"
		if pe, ok := provider.AsError(err); ok {
			msg = pe.Message
			if pe.Hint != "" {
				hint += "; " + pe.Hint
			}
		}
		return nil, st.wrap(&Error{
			Message: fmt.Sprintf("nothing was deleted: %s could not check what this DELETE would break: %s", m.Name, msg),
			Hint:    hint,
			Err:     err,
		})
	}
	return reasons, nil
}
