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
