// Package pgengine serves pkgql's engine to the Postgres server: it adapts an
// engine.Engine to the pgwire.Engine the server declares, so that the wire
// protocol's code depends on what it uses of an engine, not on the engine.
package pgengine

import (
	"context"
	"fmt"

	"github.com/pkgql/pkgql/cmd/pkgql/internal/engine"
	"github.com/pkgql/pkgql/cmd/pkgql/internal/pgwire"
	"github.com/pkgql/pkgql/cmd/pkgql/internal/rowset"
)

// New makes an engine of cfg for one connection of the server.
func New(cfg engine.Config) (pgwire.Engine, error) {
	e, err := engine.New(cfg)
	if err != nil {
		return nil, err
	}
	return adapter{e}, nil
}

type adapter struct{ *engine.Engine }

func (a adapter) Prepare(script string) ([]pgwire.Statement, error) {
	sts, err := a.Engine.Prepare(script)
	if err != nil {
		return nil, err
	}
	out := make([]pgwire.Statement, len(sts))
	for i, st := range sts {
		out[i] = st
	}
	return out, nil
}

func (a adapter) Run(ctx context.Context, st pgwire.Statement, sink rowset.Sink) error {
	es, ok := st.(*engine.Statement)
	if !ok {
		return fmt.Errorf("pgengine: a %T is not a statement this engine prepared", st)
	}
	return a.Engine.Run(ctx, es, sink)
}
