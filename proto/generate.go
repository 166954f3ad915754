// Package providerpb holds the generated gRPC code of provider.proto, the wire
// contract between the pkgql host and its provider plugins. Programs use it
// through package provider, which adapts it to a Go interface.
package providerpb

// The code generators are pinned as tools in go.mod, so regenerating with the
// same protoc gives byte-identical output.
//go:generate sh -c "protoc --plugin=protoc-gen-go=$(go tool -n protoc-gen-go) --plugin=protoc-gen-go-grpc=$(go tool -n protoc-gen-go-grpc) --go_out=. --go_opt=paths=source_relative --go-grpc_out=. --go-grpc_opt=paths=source_relative provider.proto"
