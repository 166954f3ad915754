package pgwire_test

import (
	"encoding/binary"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgproto3"
)

// A statement longer than the engine reads is refused from its length, as
// the message begins, before its body is read into memory.
func TestLongMessageRefused(t *testing.T) {
	t.Parallel()
	f := newFixture(t, fixtureOptions{})
	nc, err := net.Dial("tcp", f.addr.String())
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	nc.SetDeadline(time.Now().Add(10 * time.Second))
	fe := pgproto3.NewFrontend(nc, nc)
	fe.Send(&pgproto3.StartupMessage{ProtocolVersion: pgproto3.ProtocolVersionNumber, Parameters: map[string]string{"user": "me", "database": "pkgql"}})
	if err := fe.Flush(); err != nil {
		t.Fatal(err)
	}
	for {
		msg, err := fe.Receive()
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := msg.(*pgproto3.ReadyForQuery); ok {
			break
		}
	}
	// The header of a 20 MiB Query, and only the start of its text.
	header := []byte{'Q', 0, 0, 0, 0}
	binary.BigEndian.PutUint32(header[1:], 20<<20+4)
	if _, err := nc.Write(append(header, "SELECT '"...)); err != nil {
		t.Fatal(err)
	}
	msg, err := fe.Receive()
	if err != nil {
		t.Fatal(err)
	}
	e, ok := msg.(*pgproto3.ErrorResponse)
	if !ok || !strings.Contains(e.Message, "longer than the 16842752 bytes pkgql accepts") {
		t.Errorf("answer %#v", msg)
	}
}

// rawSession is a started connection spoken to with pgproto3 directly.
func rawSession(t *testing.T, addr string) (net.Conn, *pgproto3.Frontend) {
	t.Helper()
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { nc.Close() })
	nc.SetDeadline(time.Now().Add(60 * time.Second))
	fe := pgproto3.NewFrontend(nc, nc)
	fe.Send(&pgproto3.StartupMessage{ProtocolVersion: pgproto3.ProtocolVersionNumber, Parameters: map[string]string{"user": "me", "database": "pkgql"}})
	if err := fe.Flush(); err != nil {
		t.Fatal(err)
	}
	for {
		msg, err := fe.Receive()
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := msg.(*pgproto3.ReadyForQuery); ok {
			return nc, fe
		}
	}
}

// answer reads up to ReadyForQuery and returns the error, if any.
func answer(t *testing.T, fe *pgproto3.Frontend) *pgproto3.ErrorResponse {
	t.Helper()
	var e *pgproto3.ErrorResponse
	for {
		msg, err := fe.Receive()
		if err != nil {
			t.Fatal(err)
		}
		switch m := msg.(type) {
		case *pgproto3.ErrorResponse:
			c := *m
			e = &c
		case *pgproto3.ReadyForQuery:
			return e
		}
	}
}

// Large messages on many connections at once share one budget: while four
// 16 MiB statements are being read, a fifth is refused with out_of_memory
// rather than held too; the four are answered, and the refused connection
// and a new one go on working.
func TestInputBudgetSharedByConnections(t *testing.T) {
	f := newFixture(t, fixtureOptions{})
	body := "SELECT length('" + strings.Repeat("x", 16<<20-64) + "')\x00"
	frame := make([]byte, 5, 5+len(body))
	frame[0] = 'Q'
	binary.BigEndian.PutUint32(frame[1:], uint32(len(body)+4))
	frame = append(frame, body...)

	var held []net.Conn
	var fes []*pgproto3.Frontend
	for i := 0; i < 4; i++ {
		nc, fe := rawSession(t, f.addr.String())
		// All but the last byte: the server holds the reservation while
		// it waits for the rest.
		if _, err := nc.Write(frame[:len(frame)-1]); err != nil {
			t.Fatal(err)
		}
		held, fes = append(held, nc), append(fes, fe)
	}
	time.Sleep(200 * time.Millisecond)
	nc, fe := rawSession(t, f.addr.String())
	if _, err := nc.Write(frame); err != nil {
		t.Fatal(err)
	}
	if e := answer(t, fe); e == nil || e.Code != "53200" || !strings.Contains(e.Message, "retry when they are answered") {
		t.Fatalf("fifth large message: error %#v, want 53200", e)
	}
	for i, h := range held {
		if _, err := h.Write(frame[len(frame)-1:]); err != nil {
			t.Fatal(err)
		}
		// The engine reads it (and refuses a statement that long): what
		// matters is that the budget let it in.
		if e := answer(t, fes[i]); e != nil && e.Code == "53200" {
			t.Errorf("held message %d refused: %s", i, e.Message)
		}
	}
	for _, fe := range []*pgproto3.Frontend{fe, func() *pgproto3.Frontend { _, f2 := rawSession(t, f.addr.String()); return f2 }()} {
		fe.Send(&pgproto3.Query{String: "SELECT 1"})
		if err := fe.Flush(); err != nil {
			t.Fatal(err)
		}
		if e := answer(t, fe); e != nil {
			t.Errorf("ordinary query after: %s", e.Message)
		}
	}
}
