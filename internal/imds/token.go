package imds

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base32"
	"encoding/base64"
	"strconv"
	"strings"
	"time"
)

// Session tokens (IMDSv2) are stateless: a token is the instance it was
// issued for and its expiry, with a MAC under a key derived from the
// platform key. Any replica checks any other's tokens, and no number of
// tokens asked for costs the server memory.

// TTL bounds of a session token, in seconds, as AWS's.
const (
	MinTokenTTL = 1
	MaxTokenTTL = 21600
)

// maxTokenLength bounds a token header worth decoding: tokens this
// service issues are well under it.
const maxTokenLength = 256

var (
	b64  = base64.RawURLEncoding
	b32  = base32.StdEncoding.WithPadding(base32.NoPadding)
	sep  = "."
	sepB = byte('.')
)

// issueToken returns a token for the instance that expires at expires.
func (m *keyMaterial) issueToken(instanceID string, expires time.Time) string {
	raw := instanceID + sep + strconv.FormatInt(expires.Unix(), 10)
	return b64.EncodeToString([]byte(raw)) + sep + b64.EncodeToString(m.mac(m.tokenMAC, raw))
}

// checkToken reports whether token was issued for the instance and has not
// expired at now.
func (m *keyMaterial) checkToken(token, instanceID string, now time.Time) bool {
	if len(token) > maxTokenLength {
		return false
	}
	rawPart, macPart, ok := strings.Cut(token, sep)
	if !ok {
		return false
	}
	raw, err1 := b64.DecodeString(rawPart)
	mac, err2 := b64.DecodeString(macPart)
	if err1 != nil || err2 != nil || !hmac.Equal(mac, m.mac(m.tokenMAC, string(raw))) {
		return false
	}
	i := strings.LastIndexByte(string(raw), sepB)
	if i < 0 || string(raw[:i]) != instanceID {
		return false
	}
	expires, err := strconv.ParseInt(string(raw[i+1:]), 10, 64)
	return err == nil && now.Unix() < expires
}

// endpointKey is the secret part of an instance's metadata endpoint: a
// MAC of its ID, so that knowing an instance's ID (as the seller of its
// product code does) is not enough to read its metadata and credentials.
func (m *keyMaterial) endpointKey(instanceID string) string {
	return strings.ToLower(b32.EncodeToString(m.mac(m.endpointMAC, instanceID)[:20]))
}

// checkEndpointKey reports whether key is the instance's endpoint key, in
// constant time.
func (m *keyMaterial) checkEndpointKey(instanceID, key string) bool {
	return hmac.Equal([]byte(key), []byte(m.endpointKey(instanceID)))
}

func (m *keyMaterial) mac(key []byte, msg string) []byte {
	h := hmac.New(sha256.New, key)
	h.Write([]byte(msg))
	return h.Sum(nil)
}
