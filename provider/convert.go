package provider

import (
	"fmt"
	"math"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	providerpb "github.com/pkgql/pkgql/proto"
	"github.com/pkgql/pkgql/schema"
)

func schemaToProto(p *schema.Provider) *providerpb.Schema {
	out := &providerpb.Schema{Name: p.Name, Version: p.Version, Description: p.Description}
	for _, s := range p.Services {
		ps := &providerpb.Service{Name: s.Name, Title: s.Title, Description: s.Description}
		for _, r := range s.Resources {
			pr := &providerpb.Resource{Name: r.Name, Title: r.Title, Description: r.Description}
			for _, f := range r.Fields {
				pr.Fields = append(pr.Fields, &providerpb.Field{Name: f.Name, Type: string(f.Type), Description: f.Description, Format: string(f.Format), Reads: f.Reads})
			}
			for _, prm := range r.Params {
				pr.Params = append(pr.Params, &providerpb.Param{Name: prm.Name, Type: string(prm.Type), Description: prm.Description, Enum: prm.Enum, Field: prm.Field, Secret: prm.Secret})
			}
			for _, m := range r.Methods {
				pr.Methods = append(pr.Methods, &providerpb.Method{
					Name: m.Name, Verb: string(m.Verb), Required: m.Required, Optional: m.Optional,
					Description: m.Description, Unique: m.Unique, Guarded: m.Guarded, Route: routeToProto(m.Route),
					Excludes: m.Excludes, Scopes: m.Scopes, DocUrl: m.DocURL, Caveat: m.Caveat,
					Points: int32(m.Points), UndoneBy: m.UndoneBy, GuardReads: m.GuardReads,
				})
			}
			ps.Resources = append(ps.Resources, pr)
		}
		out.Services = append(out.Services, ps)
	}
	for _, st := range p.Settings {
		out.Settings = append(out.Settings, &providerpb.Setting{Name: st.Name, Description: st.Description, Flag: st.Flag,
			Env: st.Env, Command: st.Command, Secret: st.Secret, Default: st.Default, Hint: st.Hint, Needs: st.Needs})
	}
	return out
}

func schemaFromProto(p *providerpb.Schema) *schema.Provider {
	out := &schema.Provider{Name: p.GetName(), Version: p.GetVersion(), Description: p.GetDescription()}
	for _, s := range p.GetServices() {
		ss := schema.Service{Name: s.GetName(), Title: s.GetTitle(), Description: s.GetDescription()}
		for _, r := range s.GetResources() {
			rr := schema.Resource{Name: r.GetName(), Title: r.GetTitle(), Description: r.GetDescription()}
			for _, f := range r.GetFields() {
				rr.Fields = append(rr.Fields, schema.Field{Name: f.GetName(), Type: schema.Type(f.GetType()), Description: f.GetDescription(), Format: schema.Format(f.GetFormat()), Reads: f.GetReads()})
			}
			for _, prm := range r.GetParams() {
				rr.Params = append(rr.Params, schema.Param{Name: prm.GetName(), Type: schema.Type(prm.GetType()), Description: prm.GetDescription(), Enum: prm.GetEnum(), Field: prm.GetField(), Secret: prm.GetSecret()})
			}
			for _, m := range r.GetMethods() {
				rr.Methods = append(rr.Methods, schema.Method{
					Name: m.GetName(), Verb: schema.Verb(m.GetVerb()), Required: m.GetRequired(), Optional: m.GetOptional(),
					Description: m.GetDescription(), Unique: m.GetUnique(), Guarded: m.GetGuarded(), Route: routeFromProto(m.GetRoute()),
					Excludes: m.GetExcludes(), Scopes: m.GetScopes(), DocURL: m.GetDocUrl(), Caveat: m.GetCaveat(),
					Points: int(m.GetPoints()), UndoneBy: m.GetUndoneBy(), GuardReads: m.GetGuardReads(),
				})
			}
			ss.Resources = append(ss.Resources, rr)
		}
		out.Services = append(out.Services, ss)
	}
	for _, st := range p.GetSettings() {
		out.Settings = append(out.Settings, schema.Setting{Name: st.GetName(), Description: st.GetDescription(), Flag: st.GetFlag(),
			Env: st.GetEnv(), Command: st.GetCommand(), Secret: st.GetSecret(), Default: st.GetDefault(), Hint: st.GetHint(), Needs: st.GetNeeds()})
	}
	return out
}

func routeToProto(r schema.Route) *providerpb.Route {
	out := &providerpb.Route{Verb: r.Verb, Path: r.Path, Paged: r.Paged}
	for _, q := range r.Query {
		out.Query = append(out.Query, &providerpb.Query{Name: q.Name, Param: q.Param, Default: q.Default})
	}
	return out
}

func routeFromProto(r *providerpb.Route) schema.Route {
	out := schema.Route{Verb: r.GetVerb(), Path: r.GetPath(), Paged: r.GetPaged()}
	for _, q := range r.GetQuery() {
		out.Query = append(out.Query, schema.Query{Name: q.GetName(), Param: q.GetParam(), Default: q.GetDefault()})
	}
	return out
}

func valueToProto(v any) (*providerpb.Value, error) {
	switch v := v.(type) {
	case nil:
		return &providerpb.Value{Kind: &providerpb.Value_Null{Null: true}}, nil
	case int64:
		return &providerpb.Value{Kind: &providerpb.Value_Int{Int: v}}, nil
	case int:
		return &providerpb.Value{Kind: &providerpb.Value_Int{Int: int64(v)}}, nil
	case float64:
		return &providerpb.Value{Kind: &providerpb.Value_Float{Float: v}}, nil
	case string:
		return &providerpb.Value{Kind: &providerpb.Value_Text{Text: v}}, nil
	case bool:
		return &providerpb.Value{Kind: &providerpb.Value_Bool{Bool: v}}, nil
	case JSON:
		if v == nil {
			return &providerpb.Value{Kind: &providerpb.Value_Null{Null: true}}, nil
		}
		return &providerpb.Value{Kind: &providerpb.Value_Json{Json: string(v)}}, nil
	default:
		return nil, fmt.Errorf("provider: row value of type %T cannot be sent", v)
	}
}

func valueFromProto(v *providerpb.Value) any {
	switch k := v.GetKind().(type) {
	case *providerpb.Value_Int:
		return k.Int
	case *providerpb.Value_Float:
		return k.Float
	case *providerpb.Value_Text:
		return k.Text
	case *providerpb.Value_Bool:
		return k.Bool
	case *providerpb.Value_Json:
		return JSON(k.Json)
	default:
		return nil
	}
}

func progressToProto(p *Progress) *providerpb.Progress {
	if p == nil {
		return nil
	}
	return &providerpb.Progress{
		PagesDone: p.PagesDone, PagesTotal: p.PagesTotal, Rows: p.Rows,
		Requests: p.Requests, RateLimitRemaining: p.RateLimitRemaining, RateLimitReset: p.RateLimitReset,
		RegistryRequests: p.RegistryRequests,
	}
}

func progressFromProto(p *providerpb.Progress) *Progress {
	if p == nil {
		return nil
	}
	return &Progress{
		PagesDone: p.GetPagesDone(), PagesTotal: p.GetPagesTotal(), Rows: p.GetRows(),
		Requests: p.GetRequests(), RateLimitRemaining: p.GetRateLimitRemaining(), RateLimitReset: p.GetRateLimitReset(),
		RegistryRequests: p.GetRegistryRequests(),
	}
}

// errorToStatus carries a provider Error across the process boundary as a gRPC
// status detail, so the host sees the same fields the provider set.
func errorToStatus(err error) error {
	pe, ok := AsError(err)
	if !ok {
		pe = &Error{Kind: KindInternal, Message: err.Error()}
	}
	code := codes.Unknown
	switch pe.Kind {
	case KindNotFound:
		code = codes.NotFound
	case KindAuth:
		code = codes.PermissionDenied
	case KindRateLimit:
		code = codes.ResourceExhausted
	case KindInvalid:
		code = codes.InvalidArgument
	case KindUnavailable:
		code = codes.Unavailable
	case KindCanceled:
		code = codes.Canceled
	case KindUnsupported:
		code = codes.Unimplemented
	}
	st := status.New(code, pe.Error())
	var reset int64
	if !pe.Reset.IsZero() {
		reset = pe.Reset.Unix()
	}
	withDetail, derr := st.WithDetails(&providerpb.CallError{
		HttpStatus: int32(min(pe.HTTPStatus, math.MaxInt32)), Message: pe.Message, Resource: pe.Resource,
		Method: pe.Method, Param: pe.Param, DocumentationUrl: pe.DocURL, Hint: pe.Hint,
		Retryable: pe.Retryable, RateLimitResetUnix: reset, Kind: pe.Kind, Api: pe.API,
	})
	if derr != nil {
		return st.Err()
	}
	return withDetail.Err()
}

// errorFromStatus turns a gRPC error back into a provider Error. Errors without
// a detail come from the transport: the plugin process died or the call was
// cancelled.
func errorFromStatus(err error) error {
	st, ok := status.FromError(err)
	if !ok {
		return err
	}
	for _, d := range st.Details() {
		if ce, ok := d.(*providerpb.CallError); ok {
			pe := &Error{
				Kind: ce.GetKind(), API: ce.GetApi(), HTTPStatus: int(ce.GetHttpStatus()), Message: ce.GetMessage(),
				Resource: ce.GetResource(), Method: ce.GetMethod(), Param: ce.GetParam(),
				DocURL: ce.GetDocumentationUrl(), Hint: ce.GetHint(), Retryable: ce.GetRetryable(),
			}
			if ce.GetRateLimitResetUnix() != 0 {
				pe.Reset = time.Unix(ce.GetRateLimitResetUnix(), 0)
			}
			return pe
		}
	}
	switch st.Code() {
	case codes.Canceled:
		return &Error{Kind: KindCanceled, Message: "the call was cancelled"}
	case codes.Unavailable:
		return &Error{Kind: KindUnavailable, Message: "the provider process is gone: " + st.Message()}
	}
	return &Error{Kind: KindInternal, Message: st.Message()}
}

func keysToProto(keys []map[string]string) []*providerpb.Key {
	out := make([]*providerpb.Key, len(keys))
	for i, k := range keys {
		out[i] = &providerpb.Key{Params: k}
	}
	return out
}

func keysFromProto(keys []*providerpb.Key) []map[string]string {
	if len(keys) == 0 {
		return nil
	}
	out := make([]map[string]string, len(keys))
	for i, k := range keys {
		out[i] = k.GetParams()
	}
	return out
}
