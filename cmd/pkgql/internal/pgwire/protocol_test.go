package pgwire_test

import (
	"fmt"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgproto3"
)

// wire is a raw protocol client, for the messages drivers rarely send
// (row limits, Describe of a portal, errors in the middle of a batch).
type wire struct {
	t  *testing.T
	nc net.Conn
	fe *pgproto3.Frontend
}

func (f *fixture) dial(t *testing.T) *wire {
	t.Helper()
	nc, err := net.Dial("tcp", f.addr.String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { nc.Close() })
	_ = nc.SetDeadline(time.Now().Add(20 * time.Second))
	w := &wire{t: t, nc: nc, fe: pgproto3.NewFrontend(nc, nc)}

	// TLS is declined with 'N', then the session starts in the clear.
	w.fe.Send(&pgproto3.SSLRequest{})
	w.flush()
	b := make([]byte, 1)
	if _, err := io.ReadFull(nc, b); err != nil || b[0] != 'N' {
		t.Fatalf("SSLRequest answered %q, %v", b, err)
	}
	w.fe.Send(&pgproto3.StartupMessage{ProtocolVersion: pgproto3.ProtocolVersionNumber, Parameters: map[string]string{"user": "raw"}})
	w.flush()
	w.expect("AuthenticationOk", "ParameterStatus*", "BackendKeyData", "ReadyForQuery")
	return w
}

func (w *wire) flush() {
	if err := w.fe.Flush(); err != nil {
		w.t.Fatal(err)
	}
}

// expect reads messages and checks their types; "X*" matches any number of
// X. It returns the messages read, in the form msgText gives them.
func (w *wire) expect(types ...string) []string {
	w.t.Helper()
	var got []string
	var pending pgproto3.BackendMessage
	next := func() pgproto3.BackendMessage {
		if pending != nil {
			m := pending
			pending = nil
			return m
		}
		m, err := w.fe.Receive()
		if err != nil {
			w.t.Fatalf("after %v: %v", got, err)
		}
		return m
	}
	for _, typ := range types {
		name, many := strings.CutSuffix(typ, "*")
		for {
			m := next()
			mt := strings.TrimPrefix(fmt.Sprintf("%T", m), "*pgproto3.")
			if mt == name {
				got = append(got, msgText(m))
				if many {
					continue
				}
				break
			}
			if many {
				pending = m
				break
			}
			w.t.Fatalf("after %v: got %s (%s), want %s", got, mt, msgText(m), typ)
		}
	}
	return got
}

func msgText(m pgproto3.BackendMessage) string {
	switch m := m.(type) {
	case *pgproto3.DataRow:
		var parts []string
		for _, v := range m.Values {
			parts = append(parts, string(v))
		}
		return strings.Join(parts, "|")
	case *pgproto3.CommandComplete:
		return string(m.CommandTag)
	case *pgproto3.ErrorResponse:
		return m.Code + " " + m.Message
	case *pgproto3.RowDescription:
		var parts []string
		for _, fd := range m.Fields {
			parts = append(parts, fmt.Sprintf("%s:%d", fd.Name, fd.DataTypeOID))
		}
		return strings.Join(parts, ",")
	case *pgproto3.ParameterDescription:
		return fmt.Sprint(m.ParameterOIDs)
	}
	return ""
}

func TestExtendedProtocolDetails(t *testing.T) {
	t.Parallel()
	f := newFixture(t, fixtureOptions{})
	const list = "SELECT name, version_count FROM github.packages.user_packages WHERE username = $1 AND package_type = 'npm' ORDER BY name"
	want := f.direct(t, strings.Replace(list, "$1", "'octocat'", 1))
	if len(want.rows) < 3 {
		t.Fatalf("%d rows: too few to read in parts", len(want.rows))
	}
	var wantRows []string
	for _, r := range want.rows {
		wantRows = append(wantRows, fmt.Sprintf("%v|%v", r[0], r[1]))
	}

	t.Run("row limit and Describe of the portal", func(t *testing.T) {
		t.Parallel()
		w := f.dial(t)
		w.fe.SendParse(&pgproto3.Parse{Name: "list", Query: list})
		w.fe.SendDescribe(&pgproto3.Describe{ObjectType: 'S', Name: "list"})
		w.fe.SendBind(&pgproto3.Bind{PreparedStatement: "list", Parameters: [][]byte{[]byte("octocat")}})
		w.fe.SendDescribe(&pgproto3.Describe{ObjectType: 'P'})
		w.fe.SendExecute(&pgproto3.Execute{MaxRows: 2})
		w.fe.SendExecute(&pgproto3.Execute{MaxRows: 0})
		w.fe.SendSync(&pgproto3.Sync{})
		w.flush()
		// The statement cannot be described before its parameter is bound
		// (NoData); the bound portal can.
		got := w.expect("ParseComplete", "ParameterDescription", "NoData", "BindComplete", "RowDescription",
			"DataRow", "DataRow", "PortalSuspended", "DataRow*", "CommandComplete", "ReadyForQuery")
		if got[1] != "[0]" || got[4] != "name:25,version_count:20" {
			t.Errorf("descriptions %q", got[1:5])
		}
		rows := append(got[5:7:7], got[8:len(got)-2]...)
		if strings.Join(rows, "\n") != strings.Join(wantRows, "\n") {
			t.Errorf("rows\n%s\nwant\n%s", strings.Join(rows, "\n"), strings.Join(wantRows, "\n"))
		}
		if tag := got[len(got)-2]; tag != fmt.Sprintf("SELECT %d", len(wantRows)) {
			t.Errorf("tag %q", tag)
		}
	})

	t.Run("an error skips the batch up to Sync", func(t *testing.T) {
		t.Parallel()
		w := f.dial(t)
		w.fe.SendParse(&pgproto3.Parse{Query: "SELECT nmae FROM github.packages.user_packages WHERE username = $1"})
		w.fe.SendBind(&pgproto3.Bind{Parameters: [][]byte{[]byte("octocat")}})
		w.fe.SendExecute(&pgproto3.Execute{})
		w.fe.SendSync(&pgproto3.Sync{})
		w.fe.SendParse(&pgproto3.Parse{Query: "SHOW server_version"})
		w.fe.SendBind(&pgproto3.Bind{})
		w.fe.SendExecute(&pgproto3.Execute{})
		w.fe.SendSync(&pgproto3.Sync{})
		w.flush()
		// The statement has a parameter: the engine reads it at Bind.
		got := w.expect("ParseComplete", "ErrorResponse", "ReadyForQuery", "ParseComplete", "BindComplete", "DataRow", "CommandComplete", "ReadyForQuery")
		if !strings.HasPrefix(got[1], "42601 ") || got[5] != "15.0 (pkgql)" {
			t.Errorf("got %q", got)
		}
	})

	t.Run("one statement per Parse", func(t *testing.T) {
		t.Parallel()
		w := f.dial(t)
		w.fe.SendParse(&pgproto3.Parse{Query: "SHOW server_version; SHOW server_version"})
		w.fe.SendSync(&pgproto3.Sync{})
		w.flush()
		if got := w.expect("ErrorResponse", "ReadyForQuery"); !strings.Contains(got[0], "multiple commands") {
			t.Errorf("got %q", got)
		}
	})

	t.Run("empty query, Close, unknown names", func(t *testing.T) {
		t.Parallel()
		w := f.dial(t)
		w.fe.SendQuery(&pgproto3.Query{String: " -- nothing"})
		w.flush()
		w.expect("EmptyQueryResponse", "ReadyForQuery")
		w.fe.SendParse(&pgproto3.Parse{Name: "s", Query: ""})
		w.fe.SendBind(&pgproto3.Bind{PreparedStatement: "s"})
		w.fe.SendExecute(&pgproto3.Execute{})
		w.fe.SendClose(&pgproto3.Close{ObjectType: 'S', Name: "s"})
		w.fe.SendBind(&pgproto3.Bind{PreparedStatement: "s"})
		w.fe.SendSync(&pgproto3.Sync{})
		w.flush()
		got := w.expect("ParseComplete", "BindComplete", "EmptyQueryResponse", "CloseComplete", "ErrorResponse", "ReadyForQuery")
		if !strings.HasPrefix(got[4], "26000 ") {
			t.Errorf("Bind of a closed statement: %q", got[4])
		}
	})

	t.Run("binary results", func(t *testing.T) {
		t.Parallel()
		w := f.dial(t)
		w.fe.SendParse(&pgproto3.Parse{Query: "SELECT id, version_count > 0 AS has_versions, owner FROM github.packages.user_packages WHERE username = 'octocat' AND package_type = 'npm' AND package_name = 'hello'"})
		w.fe.SendBind(&pgproto3.Bind{ResultFormatCodes: []int16{1}})
		w.fe.SendDescribe(&pgproto3.Describe{ObjectType: 'P'})
		w.fe.SendExecute(&pgproto3.Execute{})
		w.fe.SendSync(&pgproto3.Sync{})
		w.flush()
		w.expect("ParseComplete", "BindComplete", "RowDescription")
		m, err := w.fe.Receive()
		if err != nil {
			t.Fatal(err)
		}
		row, ok := m.(*pgproto3.DataRow)
		if !ok || len(row.Values) != 3 || len(row.Values[0]) != 8 || row.Values[2][0] != 1 {
			t.Errorf("binary row %#v", m)
		}
		w.expect("CommandComplete", "ReadyForQuery")
	})
}
