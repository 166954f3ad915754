package provider

import (
	"context"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	providerpb "github.com/pkgql/pkgql/proto"
)

// grpcServer serves a Provider in the plugin process.
type grpcServer struct {
	providerpb.UnimplementedProviderServer
	impl Provider
}

func (s *grpcServer) GetSchema(ctx context.Context, _ *providerpb.GetSchemaRequest) (*providerpb.Schema, error) {
	sc, err := s.impl.Schema(ctx)
	if err != nil {
		return nil, errorToStatus(err)
	}
	return schemaToProto(sc), nil
}

func (s *grpcServer) Configure(ctx context.Context, req *providerpb.ConfigureRequest) (*providerpb.ConfigureResponse, error) {
	err := s.impl.Configure(ctx, Config{
		Settings: req.GetSettings(), Concurrency: int(req.GetConcurrency()), UserAgent: req.GetUserAgent(),
		CacheDir:         req.GetCacheDir(),
		RateWindow:       time.Duration(req.GetRateWindowMs()) * time.Millisecond,
		MutationInterval: time.Duration(req.GetMutationIntervalMs()) * time.Millisecond,
	})
	if err != nil {
		return nil, errorToStatus(err)
	}
	return &providerpb.ConfigureResponse{}, nil
}

func (s *grpcServer) CheckAuth(ctx context.Context, _ *providerpb.CheckAuthRequest) (*providerpb.AuthStatus, error) {
	ac, ok := s.impl.(AuthChecker)
	if !ok {
		return nil, status.Error(codes.Unimplemented, "the provider cannot check its credentials")
	}
	st, err := ac.CheckAuth(ctx)
	if err != nil {
		return nil, errorToStatus(err)
	}
	return &providerpb.AuthStatus{Api: st.API, Sent: st.Sent, Failure: st.Failure, HttpStatus: int32(st.HTTPStatus), Accepted: st.Accepted,
		Message: st.Message, Login: st.Login, ScopesReported: st.ScopesReported, Scopes: st.Scopes,
		RateLimit: st.RateLimit, RateRemaining: st.RateRemaining, RateResetUnix: st.RateReset}, nil
}

func (s *grpcServer) Call(req *providerpb.CallRequest, stream providerpb.Provider_CallServer) error {
	emit := func(b Batch) error {
		msg := &providerpb.CallResponse{Rows: make([]*providerpb.Row, 0, len(b.Rows)), Progress: progressToProto(b.Progress)}
		for _, row := range b.Rows {
			pr := &providerpb.Row{Values: make([]*providerpb.Value, 0, len(row))}
			for _, v := range row {
				pv, err := valueToProto(v)
				if err != nil {
					return err
				}
				pr.Values = append(pr.Values, pv)
			}
			msg.Rows = append(msg.Rows, pr)
		}
		return stream.Send(msg)
	}
	res, err := s.impl.Call(stream.Context(), Request{
		Service: req.GetService(), Resource: req.GetResource(), Method: req.GetMethod(),
		Params: req.GetParams(), Limit: req.GetLimit(), Columns: req.GetColumns(), Check: req.GetCheck(), Keys: keysFromProto(req.GetKeys()), Budget: req.GetBudget(),
	}, emit)
	if err != nil {
		return errorToStatus(err)
	}
	return stream.Send(&providerpb.CallResponse{Done: &providerpb.Done{
		HttpStatus: int32(res.HTTPStatus), Message: res.Message, Requests: res.Requests,
	}})
}
