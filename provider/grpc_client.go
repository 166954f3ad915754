package provider

import (
	"context"
	"errors"
	"io"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	providerpb "github.com/pkgql/pkgql/proto"
	"github.com/pkgql/pkgql/schema"
)

// grpcClient is the host's Provider: every method is a call into the plugin.
type grpcClient struct {
	client providerpb.ProviderClient
}

func (c *grpcClient) Schema(ctx context.Context) (*schema.Provider, error) {
	resp, err := c.client.GetSchema(ctx, &providerpb.GetSchemaRequest{})
	if err != nil {
		return nil, errorFromStatus(err)
	}
	return schemaFromProto(resp), nil
}

func (c *grpcClient) Configure(ctx context.Context, cfg Config) error {
	_, err := c.client.Configure(ctx, &providerpb.ConfigureRequest{
		Settings: cfg.Settings, Concurrency: int32(cfg.Concurrency), UserAgent: cfg.UserAgent,
		CacheDir: cfg.CacheDir, RateWindowMs: cfg.RateWindow.Milliseconds(), MutationIntervalMs: cfg.MutationInterval.Milliseconds(),
	})
	if err != nil {
		return errorFromStatus(err)
	}
	return nil
}

func (c *grpcClient) Call(ctx context.Context, req Request, emit func(Batch) error) (Result, error) {
	// Leaving early (emit failed, LIMIT met) cancels the stream, and with it the
	// provider's paging.
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stream, err := c.client.Call(ctx, &providerpb.CallRequest{
		Service: req.Service, Resource: req.Resource, Method: req.Method,
		Params: req.Params, Limit: req.Limit, Columns: req.Columns, Check: req.Check, Keys: keysToProto(req.Keys), Budget: req.Budget,
	})
	if err != nil {
		return Result{}, c.callError(ctx, err)
	}
	for {
		msg, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			return Result{}, &Error{Kind: KindInternal, Message: "the provider ended the call without saying it was done"}
		}
		if err != nil {
			return Result{}, c.callError(ctx, err)
		}
		if len(msg.GetRows()) > 0 || msg.GetProgress() != nil {
			b := Batch{Rows: make([][]any, len(msg.GetRows())), Progress: progressFromProto(msg.GetProgress())}
			for i, r := range msg.GetRows() {
				row := make([]any, len(r.GetValues()))
				for j, v := range r.GetValues() {
					row[j] = valueFromProto(v)
				}
				b.Rows[i] = row
			}
			if err := emit(b); err != nil {
				return Result{}, err
			}
		}
		if d := msg.GetDone(); d != nil {
			return Result{HTTPStatus: int(d.GetHttpStatus()), Message: d.GetMessage(), Requests: d.GetRequests()}, nil
		}
	}
}

func (c *grpcClient) CheckAuth(ctx context.Context) (AuthStatus, error) {
	resp, err := c.client.CheckAuth(ctx, &providerpb.CheckAuthRequest{})
	if err != nil {
		if status.Code(err) == codes.Unimplemented {
			return AuthStatus{}, &Error{Kind: KindInvalid, Message: "the provider cannot check its credentials"}
		}
		return AuthStatus{}, errorFromStatus(err)
	}
	return AuthStatus{API: resp.GetApi(), Sent: resp.GetSent(), Failure: resp.GetFailure(), HTTPStatus: int(resp.GetHttpStatus()), Accepted: resp.GetAccepted(),
		Message: resp.GetMessage(), Login: resp.GetLogin(), ScopesReported: resp.GetScopesReported(), Scopes: resp.GetScopes(),
		RateLimit: resp.GetRateLimit(), RateRemaining: resp.GetRateRemaining(), RateReset: resp.GetRateResetUnix()}, nil
}

func (c *grpcClient) callError(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	return errorFromStatus(err)
}
