package github

import (
	"bytes"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/hashicorp/go-hclog"

	"github.com/pkgql/pkgql/provider"
	"github.com/pkgql/pkgql/provider/github/sandbox"
)

// syncBuffer is a log destination safe for concurrent writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// Neither the API token nor a restore token appears in logs or errors, while
// each request is logged at Debug with its method, path, status and duration.
func TestSecretsStayOut(t *testing.T) {
	t.Parallel()
	const restoreToken = "RESTORE-SECRET-4242"
	for _, format := range []bool{false, true} {
		var logs syncBuffer
		logger := hclog.New(&hclog.LoggerOptions{Level: hclog.Trace, Output: &logs, JSONFormat: format})
		sb, base := startSandbox(t, sandbox.Options{Users: []sandbox.UserSeed{seeded("octocat", "npm", 250)}})
		sb.SetFaults(sandbox.Fault{Method: http.MethodPost, Status: http.StatusUnauthorized, Message: "Bad credentials"})
		p, _ := testProvider(t, base, 8, logger)
		var errs []string
		restore := pkgReq("restore_package_for_user", "octocat", "npm", "npm-00001")
		restore.Params["token"] = restoreToken
		for _, req := range []provider.Request{listReq("octocat", "npm"), restore} {
			if err := run(p, req).err; err != nil {
				errs = append(errs, err.Error())
			}
		}
		// The restore URL's query holds the token: a network failure must not
		// show the URL.
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		go func() {
			for {
				c, err := l.Accept()
				if err != nil {
					return
				}
				c.Close()
			}
		}()
		t.Cleanup(func() { l.Close() })
		p2, _ := testProvider(t, "http://"+l.Addr().String(), 8, logger)
		if err := run(p2, restore).err; err != nil {
			errs = append(errs, err.Error())
		} else {
			t.Fatal("restore against a closing server succeeded")
		}
		if len(errs) != 2 {
			t.Fatalf("errors %v", errs)
		}
		out := logs.String() + strings.Join(errs, "\n")
		for _, secret := range []string{testToken, restoreToken} {
			if strings.Contains(out, secret) {
				t.Errorf("a secret leaked:\n%s", out)
			}
		}
		for _, want := range []string{"github request", "GET", "/users/octocat/packages", "status", "duration", "POST", "/restore"} {
			if !strings.Contains(logs.String(), want) {
				t.Errorf("logs lack %q:\n%s", want, logs.String())
			}
		}
	}
}
