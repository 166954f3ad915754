package pgwire

import (
	"errors"
	"fmt"
	"io"
	"net"
	"strings"

	"github.com/jackc/pgx/v5/pgproto3"
)

// startup reads the client's first messages: it declines TLS and GSSAPI
// encryption, honours a CancelRequest, checks the password, makes the
// connection's engine and reports the session's parameters. It returns false
// when the connection ends there.
func (c *conn) startup() bool {
	var sm *pgproto3.StartupMessage
	for sm == nil {
		msg, err := c.be.ReceiveStartupMessage()
		if err != nil {
			if !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, net.ErrClosed) {
				c.log.Debug("bad startup", "error", err)
			}
			return false
		}
		switch m := msg.(type) {
		case *pgproto3.SSLRequest, *pgproto3.GSSEncRequest:
			// 'N': go on unencrypted. The server is for loopback; a remote
			// client should reach it through an SSH tunnel or a TLS proxy.
			if _, err := c.nc.Write([]byte{'N'}); err != nil {
				return false
			}
		case *pgproto3.CancelRequest:
			c.srv.cancel(m.ProcessID, m.SecretKey)
			return false
		case *pgproto3.StartupMessage:
			sm = m
		}
	}

	c.user = sm.Parameters["user"]
	c.database = sm.Parameters["database"]
	if c.database == "" {
		c.database = c.user
	}
	if c.database == "" {
		c.database = "pkgql"
	}
	var unknown []string
	for k := range sm.Parameters {
		if strings.HasPrefix(k, "_pq_.") {
			unknown = append(unknown, k)
		}
	}
	if len(unknown) > 0 {
		c.send(&pgproto3.NegotiateProtocolVersion{NewestMinorProtocol: sm.ProtocolVersion & 0xffff, UnrecognizedOptions: unknown})
	}

	if err := c.authenticate(); err != nil {
		c.log.Info("authentication failed", "user", c.user, "error", err)
		c.fatal(codeInvalidPassword, fmt.Sprintf("password authentication failed for user %q", c.user))
		return false
	}

	eng, err := c.srv.opts.NewEngine(c.ctx, c.confirm)
	if err != nil {
		c.log.Error("making the engine", "error", err)
		c.fatal(codeCannotConnectNow, "pkgql cannot start a session: "+err.Error())
		return false
	}
	c.eng = eng

	for k, v := range sm.Parameters {
		if _, ok := settingNames[strings.ToLower(k)]; ok && k != "client_encoding" {
			c.settings[strings.ToLower(k)] = v
		}
	}
	for _, name := range reportedSettings {
		c.send(&pgproto3.ParameterStatus{Name: name, Value: c.setting(name)})
	}
	// Protocol 3.2 allows a longer secret; 3.0 takes exactly 4 bytes.
	secret := randomSecret(4)
	if sm.ProtocolVersion >= pgproto3.ProtocolVersion32 {
		secret = randomSecret(32)
	}
	c.rmu.Lock()
	c.secret = secret
	c.rmu.Unlock()
	c.send(&pgproto3.BackendKeyData{ProcessID: c.key, SecretKey: secret})
	return c.ready() == nil
}
