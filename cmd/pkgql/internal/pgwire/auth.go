package pgwire

import (
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5/pgproto3"
	"github.com/xdg-go/scram"
)

// scramMechanism is the one SASL mechanism offered. Channel binding
// (SCRAM-SHA-256-PLUS) needs TLS, which the server does not speak.
const scramMechanism = "SCRAM-SHA-256"

// scramAuth checks passwords by SCRAM-SHA-256 (RFC 7677), as Postgres does
// by default: the password never crosses the wire, and the server proves it
// knows it too. The user name is not part of the check: one password guards
// the server, whoever connects.
type scramAuth struct {
	server *scram.Server
}

func newSCRAMAuth(password string) (*scramAuth, error) {
	client, err := scram.SHA256.NewClient("", password, "")
	if err != nil {
		return nil, fmt.Errorf("pgwire: the password cannot be used for SCRAM: %w", err)
	}
	creds, err := client.GetStoredCredentialsWithError(scram.KeyFactors{Salt: string(randomSecret(16)), Iters: 4096})
	if err != nil {
		return nil, fmt.Errorf("pgwire: deriving SCRAM credentials: %w", err)
	}
	server, err := scram.SHA256.NewServer(func(string) (scram.StoredCredentials, error) { return creds, nil })
	if err != nil {
		return nil, fmt.Errorf("pgwire: SCRAM server: %w", err)
	}
	return &scramAuth{server: server}, nil
}

// authenticate runs the SASL exchange when the server has a password, and
// ends with AuthenticationOk.
func (c *conn) authenticate() error {
	defer func() { _ = c.be.SetAuthType(pgproto3.AuthTypeOk) }()
	if c.srv.auth == nil {
		c.send(&pgproto3.AuthenticationOk{})
		return nil
	}
	conv := c.srv.auth.server.NewConversation()

	c.send(&pgproto3.AuthenticationSASL{AuthMechanisms: []string{scramMechanism}})
	if err := c.flush(); err != nil {
		return err
	}
	_ = c.be.SetAuthType(pgproto3.AuthTypeSASL)
	msg, err := c.be.Receive()
	if err != nil {
		return err
	}
	first, ok := msg.(*pgproto3.SASLInitialResponse)
	if !ok {
		return fmt.Errorf("expected a SASL initial response, got %T", msg)
	}
	if first.AuthMechanism != scramMechanism {
		return fmt.Errorf("client chose SASL mechanism %q; the server offers only %s", first.AuthMechanism, scramMechanism)
	}
	challenge, err := conv.Step(string(first.Data))
	if err != nil {
		return err
	}
	c.send(&pgproto3.AuthenticationSASLContinue{Data: []byte(challenge)})
	if err := c.flush(); err != nil {
		return err
	}

	_ = c.be.SetAuthType(pgproto3.AuthTypeSASLContinue)
	msg, err = c.be.Receive()
	if err != nil {
		return err
	}
	final, ok := msg.(*pgproto3.SASLResponse)
	if !ok {
		return fmt.Errorf("expected a SASL response, got %T", msg)
	}
	verifier, err := conv.Step(string(final.Data))
	if err != nil {
		return err
	}
	if !conv.Valid() {
		return errors.New("wrong password")
	}
	c.send(&pgproto3.AuthenticationSASLFinal{Data: []byte(verifier)}, &pgproto3.AuthenticationOk{})
	return nil
}
