package provider

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"math/big"
	"os"
	"os/exec"
	"strconv"
	"time"
)

// Host and provider speak mutual TLS with a key made for each provider
// process, as go-plugin's AutoMTLS does, but on P-256 rather than AutoMTLS's
// P-521: P-521 cost 14 ms of key generation on each side of every start, and
// a slower handshake, on this project's 2-core benchmark machine; P-256 costs
// well under a millisecond. The host makes one key pair and self-signed
// certificate, and both sides present it and trust nothing else, so only a
// holder of the key can connect to the provider, or pass for it.
//
// The provider gets its copy through a pipe it inherits, not through its
// environment: an environment can be read from /proc for as long as the
// process lives, a pipe is empty once read.

// EnvTLSFD is the environment variable that holds the number of the
// descriptor on which a provider process reads its TLS key. A program that
// starts the provider on the host's behalf passes that descriptor on.
const EnvTLSFD = "PKGQL_PROVIDER_TLS_FD"

// tlsServerName is the name the certificate is for and the host dials.
const tlsServerName = "localhost"

// newTLSKey returns a fresh certificate and key, in PEM, for one provider
// process.
func newTLSKey() ([]byte, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 128))
	if err != nil {
		return nil, err
	}
	now := time.Now()
	template := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: "pkgql provider"},
		DNSNames:     []string{tlsServerName},
		// A provider may serve a `pkgql serve` for months; reconnecting must
		// not fail on an expired certificate nobody else can use.
		NotBefore:             now.Add(-time.Minute),
		NotAfter:              now.AddDate(100, 0, 0),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, template, template, &key.PublicKey, key)
	if err != nil {
		return nil, err
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return nil, err
	}
	out := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	return append(out, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER})...), nil
}

// tlsConfig is the configuration of either side for a certificate and key
// from newTLSKey.
func tlsConfig(pemBytes []byte) (*tls.Config, error) {
	pair, err := tls.X509KeyPair(pemBytes, pemBytes)
	if err != nil {
		return nil, err
	}
	leaf, err := x509.ParseCertificate(pair.Certificate[0])
	if err != nil {
		return nil, err
	}
	only := x509.NewCertPool()
	only.AddCert(leaf)
	return &tls.Config{
		Certificates: []tls.Certificate{pair},
		RootCAs:      only,
		ClientCAs:    only,
		ClientAuth:   tls.RequireAndVerifyClientCert,
		ServerName:   tlsServerName,
		MinVersion:   tls.VersionTLS13,
	}, nil
}

// hostTLS makes the key for the provider cmd is about to start, and sets cmd
// to pass it on through a pipe. It returns the host's configuration and the
// pipe, which the caller closes once cmd has started.
func hostTLS(cmd *exec.Cmd) (*tls.Config, *os.File, error) {
	key, err := newTLSKey()
	if err != nil {
		return nil, nil, fmt.Errorf("making the provider's TLS key: %w", err)
	}
	cfg, err := tlsConfig(key)
	if err != nil {
		return nil, nil, fmt.Errorf("making the provider's TLS key: %w", err)
	}
	r, w, err := os.Pipe()
	if err != nil {
		return nil, nil, fmt.Errorf("passing the provider its TLS key: %w", err)
	}
	// The key is far smaller than a pipe's buffer: the write cannot block.
	_, err = w.Write(key)
	if cerr := w.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		r.Close()
		return nil, nil, fmt.Errorf("passing the provider its TLS key: %w", err)
	}
	cmd.ExtraFiles = append(cmd.ExtraFiles, r)
	fd := 2 + len(cmd.ExtraFiles) // ExtraFiles[i] becomes descriptor 3+i
	cmd.Env = append(cmd.Env, EnvTLSFD+"="+strconv.Itoa(fd))
	return cfg, r, nil
}

// providerTLS reads the key the host passed and returns the provider's
// configuration; ok is false when the host passed none.
func providerTLS() (cfg *tls.Config, ok bool, err error) {
	v, set := os.LookupEnv(EnvTLSFD)
	if !set {
		return nil, false, nil
	}
	fd, err := strconv.Atoi(v)
	if err != nil || fd < 3 {
		return nil, true, fmt.Errorf("%s=%q is not a descriptor the host passed", EnvTLSFD, v)
	}
	f := os.NewFile(uintptr(fd), "tls key")
	defer f.Close()
	key, err := io.ReadAll(io.LimitReader(f, 1<<16))
	if err != nil {
		return nil, true, fmt.Errorf("reading the TLS key from descriptor %d: %w", fd, err)
	}
	if len(key) == 0 {
		return nil, true, errors.New("the host passed no TLS key: start providers through pkgql")
	}
	cfg, err = tlsConfig(key)
	if err != nil {
		return nil, true, fmt.Errorf("the TLS key from the host: %w", err)
	}
	return cfg, true, nil
}
