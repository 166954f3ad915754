package github

import (
	"net/http"
	"testing"
	"time"

	"github.com/pkgql/pkgql/provider/github/sandbox"
)

// A request slot is given back however its answer ends: an error answer
// (whose body go-github reads and replaces), a 5xx that is retried, a 5xx
// after a change that the GET then confirms. With one slot, a slot kept by
// any of them would hang every later call.
func TestSlotFreedAfterErrorAnswers(t *testing.T) {
	t.Parallel()
	sb, base := startSandbox(t, sandbox.Options{Users: []sandbox.UserSeed{seeded("octocat", "npm", 3, "hello")}})
	p, _ := testProvider(t, base, 1, nil)
	get := func() result { return run(p, pkgReq("get_package_for_user", "octocat", "npm", "hello")) }
	// status answers the next count requests, a DELETE among them taking
	// effect first; status 0 leaves every answer to the sandbox.
	steps := []struct {
		name    string
		status  int
		count   int
		call    func() result
		wantErr bool
	}{
		{"404", 0, 0, func() result { return run(p, pkgReq("get_package_for_user", "octocat", "npm", "missing")) }, true},
		{"403", http.StatusForbidden, 1, get, true},
		{"401 on a listing", http.StatusUnauthorized, 1, func() result { return run(p, listReq("octocat", "npm")) }, true},
		{"502 kept answering", http.StatusBadGateway, 4, get, true},
		{"502 then 200", http.StatusBadGateway, 1, get, false},
		{"DELETE done then 502", http.StatusBadGateway, 1, func() result { return run(p, pkgReq("delete_package_for_user", "octocat", "npm", "hello")) }, false},
		{"404 after the DELETE", 0, 0, get, true},
		{"listing", 0, 0, func() result { return run(p, listReq("octocat", "npm")) }, false},
	}
	for _, st := range steps {
		sb.SetFaults()
		if st.status != 0 {
			sb.SetFaults(sandbox.Fault{Times: st.count, Status: st.status, Applied: true})
		}
		done := make(chan result, 1)
		go func() { done <- st.call() }()
		select {
		case out := <-done:
			if (out.err != nil) != st.wantErr {
				t.Fatalf("%s: error %v, want an error: %t", st.name, out.err, st.wantErr)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("%s: the call hangs: a request slot was not given back", st.name)
		}
	}
	if n := p.conn.limit.inUse(); n != 0 {
		t.Errorf("%d slots still held after every call ended", n)
	}
}
