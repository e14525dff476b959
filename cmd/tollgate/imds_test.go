package main

import "testing"

// TestIMDSListenAddr: where --imds-listen puts the metadata listener.
func TestIMDSListenAddr(t *testing.T) {
	for _, tc := range []struct {
		listen, api, want string
		bad               bool
	}{
		{listen: "auto", api: "127.0.0.1:7070", want: "127.0.0.1:7071"},
		{listen: "auto", api: "0.0.0.0:8080", want: "127.0.0.1:8081"}, // loopback whatever the API's host
		{listen: "auto", api: "127.0.0.1:0", want: "127.0.0.1:0"},
		{listen: "auto", api: "[::1]:65535", bad: true},
		{listen: "auto", api: "nowhere", bad: true},
		{listen: "off", api: "127.0.0.1:7070", want: ""},
		{listen: "", api: "127.0.0.1:7070", want: ""},
		{listen: "127.0.0.1:9999", api: "127.0.0.1:7070", want: "127.0.0.1:9999"},
		{listen: "9999", api: "127.0.0.1:7070", bad: true},
	} {
		got, err := imdsFlags{listen: tc.listen}.listenAddr(tc.api)
		if (err != nil) != tc.bad || got != tc.want {
			t.Errorf("--imds-listen %q with --addr %q: %q, %v; want %q (error: %v)", tc.listen, tc.api, got, err, tc.want, tc.bad)
		}
	}
}

// TestIMDSURL: --imds-url is an http URL of a host and port, checked before
// the server opens anything.
func TestIMDSURL(t *testing.T) {
	for url, bad := range map[string]bool{"": false, "http://10.0.0.5:7071": false, "https://imds.example:443/": false,
		"10.0.0.5:7071": true, "ftp://h:1": true, "http://u:p@h:1": true, "http://h:1/path": true, "http://h:1/?q=1": true, "http://": true} {
		if err := (imdsFlags{listen: "off", url: url}).check("127.0.0.1:7070"); (err != nil) != bad {
			t.Errorf("--imds-url %q: %v, want an error: %v", url, err, bad)
		}
	}
}
