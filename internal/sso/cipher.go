package sso

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	"github.com/google/uuid"
)

// Cipher seals the secrets of connections with AES-256-GCM under the key
// of SSO_ENCRYPTION_KEY. The company's id and the field's name are the
// additional data: a sealed secret copied to another company or another
// column does not open. A sealed value starts with a version byte, so a
// second key can be introduced later without guessing.
type Cipher struct {
	aead cipher.AEAD
}

const sealVersion = 1

// ParseKey reads a 32-byte key written in base64 (standard or URL, padded
// or not) or hex, as `openssl rand -base64 32` prints one.
func ParseKey(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	for _, dec := range []func(string) ([]byte, error){
		base64.StdEncoding.DecodeString, base64.RawStdEncoding.DecodeString,
		base64.URLEncoding.DecodeString, base64.RawURLEncoding.DecodeString, hex.DecodeString,
	} {
		if k, err := dec(s); err == nil && len(k) == 32 {
			return k, nil
		}
	}
	return nil, errors.New("SSO_ENCRYPTION_KEY must be 32 random bytes in base64 or hex, such as the output of `openssl rand -base64 32`")
}

// NewCipher returns the cipher of a 32-byte key.
func NewCipher(key []byte) (*Cipher, error) {
	if len(key) != 32 {
		return nil, fmt.Errorf("SSO key: want 32 bytes, got %d", len(key))
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &Cipher{aead: aead}, nil
}

func aad(tenant uuid.UUID, field string) []byte {
	return []byte("vendredi-sso:" + tenant.String() + ":" + field)
}

// Seal encrypts plain for one company's field.
func (c *Cipher) Seal(tenant uuid.UUID, field string, plain []byte) []byte {
	nonce := make([]byte, c.aead.NonceSize(), 1+c.aead.NonceSize()+len(plain)+c.aead.Overhead())
	_, _ = rand.Read(nonce)
	out := append([]byte{sealVersion}, nonce...)
	return c.aead.Seal(out, nonce, plain, aad(tenant, field))
}

// Open decrypts what Seal made for the same company and field.
func (c *Cipher) Open(tenant uuid.UUID, field string, sealed []byte) ([]byte, error) {
	n := c.aead.NonceSize()
	if len(sealed) < 1+n+c.aead.Overhead() || sealed[0] != sealVersion {
		return nil, errors.New("sealed secret: unknown format")
	}
	plain, err := c.aead.Open(nil, sealed[1:1+n], sealed[1+n:], aad(tenant, field))
	if err != nil {
		return nil, errors.New("sealed secret: does not open with this key (was SSO_ENCRYPTION_KEY changed?)")
	}
	return plain, nil
}
