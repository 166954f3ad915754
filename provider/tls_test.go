//go:build unix

package provider

import (
	"crypto/tls"
	"net"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

// passKey hands key to providerTLS the way Launch does: on a descriptor of
// its own, named in the environment.
func passKey(t *testing.T, key []byte) {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if _, err := w.Write(key); err != nil {
		t.Fatal(err)
	}
	w.Close()
	// providerTLS closes what it reads, as the provider's own copy.
	fd, err := syscall.Dup(int(r.Fd()))
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv(EnvTLSFD, strconv.Itoa(fd))
}

func TestProviderTLS(t *testing.T) {
	key, err := newTLSKey()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		set     func(t *testing.T)
		wantOK  bool
		wantErr string
	}{
		{"no key passed: AutoMTLS", func(t *testing.T) { t.Setenv(EnvTLSFD, ""); os.Unsetenv(EnvTLSFD) }, false, ""},
		{"the key", func(t *testing.T) { passKey(t, key) }, true, ""},
		{"empty pipe", func(t *testing.T) { passKey(t, nil) }, true, "passed no TLS key"},
		{"not a key", func(t *testing.T) { passKey(t, []byte("-----BEGIN CERTIFICATE-----\n")) }, true, "the TLS key from the host"},
		{"not a number", func(t *testing.T) { t.Setenv(EnvTLSFD, "x") }, true, `PKGQL_PROVIDER_TLS_FD="x" is not a descriptor`},
		{"stdio", func(t *testing.T) { t.Setenv(EnvTLSFD, "0") }, true, "is not a descriptor"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.set(t)
			cfg, ok, err := providerTLS()
			if ok != tt.wantOK {
				t.Errorf("ok = %v, want %v", ok, tt.wantOK)
			}
			switch {
			case tt.wantErr == "" && err != nil:
				t.Fatalf("error %v", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Fatalf("error %v, want one saying %q", err, tt.wantErr)
			case tt.wantOK && err == nil && (cfg == nil || cfg.ClientAuth != tls.RequireAndVerifyClientCert):
				t.Fatalf("config %+v does not require the host's certificate", cfg)
			}
		})
	}
}

// Only a holder of the key passed to the provider can connect to it, and the
// host connects only to a holder of its key.
func TestTLSKeyIsTheOnlyWayIn(t *testing.T) {
	t.Parallel()
	config := func() *tls.Config {
		key, err := newTLSKey()
		if err != nil {
			t.Fatal(err)
		}
		cfg, err := tlsConfig(key)
		if err != nil {
			t.Fatal(err)
		}
		return cfg
	}
	mine, other := config(), config()
	noCert := mine.Clone()
	noCert.Certificates = nil

	tests := []struct {
		name           string
		server, client *tls.Config
		ok             bool
	}{
		{"host and its provider", mine, mine, true},
		{"a client with another key", mine, other, false},
		{"a client without a certificate", mine, noCert, false},
		{"a server with another key", other, mine, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, s := net.Pipe()
			defer c.Close()
			defer s.Close()
			srvErr := make(chan error, 1)
			go func() {
				conn := tls.Server(s, tt.server)
				err := conn.Handshake()
				if err == nil {
					// TLS 1.3 checks the client's certificate after the
					// client's handshake ends: a read surfaces the verdict.
					_, err = conn.Write([]byte{1})
				}
				srvErr <- err
				s.Close()
			}()
			conn := tls.Client(c, tt.client)
			err := conn.Handshake()
			if err == nil {
				_, err = conn.Read(make([]byte, 1))
			}
			c.Close()
			serr := <-srvErr
			if got := err == nil && serr == nil; got != tt.ok {
				t.Errorf("connected = %v (client: %v; server: %v), want %v", got, err, serr, tt.ok)
			}
		})
	}
}
