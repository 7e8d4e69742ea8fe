// Command goverify checks a Credence registry's transparency log over its API with Go's own code for the
// Go checksum database: golang.org/x/mod/sumdb/note opens the signed checkpoints and
// golang.org/x/mod/sumdb/tlog checks the consistency and inclusion proofs (RFC 6962 hashing).
//
// It reads every checkpoint, checks each one's signature under the verifier key and the consistency proof
// from the one before, then checks every entry of the latest checkpoint: its commitment (when its content
// is shown), its leaf hash (of leaf version 2 or 1, as the entry says), and its inclusion proof. It prints one line and exits 0, or names the first
// problem and exits 1 (2 for unusable arguments).
//
// Built by tests/log/test_go_sumdb.py with GO111MODULE=off GOPATH=/usr/share/gocode (Debian's
// golang-golang-x-mod-dev): usage: goverify BASE-URL VERIFIER-KEY
package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

type checkpoint struct {
	size int64
	root tlog.Hash
}

type entry struct {
	Index        int64   `json:"index"`
	Kind         string  `json:"kind"`
	At           string  `json:"at"`
	Commitment   string  `json:"commitment"`
	LeafHash     string  `json:"leaf_hash"`
	LeafVersion  int     `json:"leaf_version"`
	Public       bool    `json:"public"`
	Ref          *string `json:"ref"`
	Organisation *string `json:"organisation"`
	Content      *string `json:"content"`
	Salt         *string `json:"salt"`
}

var base string

func fail(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "goverify: "+format+"\n", args...)
	os.Exit(1)
}

func get(path string) []byte {
	response, err := http.Get(base + path)
	if err != nil {
		fail("GET %s: %v", path, err)
	}
	defer response.Body.Close()
	body, err := io.ReadAll(response.Body)
	if err != nil {
		fail("GET %s: %v", path, err)
	}
	if response.StatusCode != http.StatusOK {
		fail("GET %s: %s: %s", path, response.Status, body)
	}
	return body
}

func getJSON(path string, into any) {
	if err := json.Unmarshal(get(path), into); err != nil {
		fail("GET %s: %v", path, err)
	}
}

func hashes(hexes []string, what string) []tlog.Hash {
	out := make([]tlog.Hash, len(hexes))
	for i, h := range hexes {
		raw, err := hex.DecodeString(h)
		if err != nil || len(raw) != tlog.HashSize {
			fail("%s: node %d is not a hex SHA-256 hash: %q", what, i, h)
		}
		copy(out[i][:], raw)
	}
	return out
}

// open verifies a signed note under the key and reads the checkpoint in its text. The text is read by
// tlog.ParseTree, the Go checksum database's own reader, once the origin line is checked: ParseTree wants
// the checksum database's origin, so the log's is put in its place. ParseTree ignores extension lines.
func open(text []byte, verifiers note.Verifiers, origin string) checkpoint {
	n, err := note.Open(text, verifiers)
	if err != nil {
		fail("checkpoint does not verify: %v", err)
	}
	first, rest, found := strings.Cut(n.Text, "\n")
	if !found || first != origin {
		fail("checkpoint of the log %q, not %q", first, origin)
	}
	tree, err := tlog.ParseTree([]byte("go.sum database tree\n" + rest))
	if err != nil {
		fail("checkpoint %q: %v", n.Text, err)
	}
	return checkpoint{tree.N, tree.Hash}
}

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: goverify BASE-URL VERIFIER-KEY")
		os.Exit(2)
	}
	base = strings.TrimSuffix(os.Args[1], "/") + "/api/v1"
	verifier, err := note.NewVerifier(os.Args[2])
	if err != nil {
		fmt.Fprintf(os.Stderr, "goverify: verifier key: %v\n", err)
		os.Exit(2)
	}
	verifiers := note.VerifierList(verifier)
	origin := verifier.Name()

	// Every checkpoint, oldest first, each extending the one before.
	var notes []string
	for page := 1; ; page++ {
		var listed struct {
			Items []struct {
				Note string `json:"note"`
			} `json:"items"`
		}
		getJSON(fmt.Sprintf("/log/checkpoints?page=%d&per_page=1000", page), &listed)
		for _, item := range listed.Items {
			notes = append(notes, item.Note)
		}
		if len(listed.Items) < 1000 {
			break
		}
	}
	latestNote := get("/log/checkpoint")
	if len(notes) == 0 || notes[len(notes)-1] != string(latestNote) {
		notes = append(notes, string(latestNote))
	}
	var latest checkpoint
	proofs := 0
	for i, text := range notes {
		current := open([]byte(text), verifiers, origin)
		if i > 0 && latest.size > 0 {
			switch {
			case current.size < latest.size:
				fail("checkpoint %d (size %d) comes after size %d: a rollback", i+1, current.size, latest.size)
			case current.size == latest.size && current.root != latest.root:
				fail("checkpoints %d and %d sign two roots for size %d: a fork", i, i+1, current.size)
			case current.size > latest.size:
				var body struct {
					Proof []string `json:"proof"`
				}
				getJSON(fmt.Sprintf("/log/proofs/consistency?first=%d&second=%d", latest.size, current.size), &body)
				proof := tlog.TreeProof(hashes(body.Proof, "consistency proof"))
				if err := tlog.CheckTree(proof, current.size, current.root, latest.size, latest.root); err != nil {
					fail("checkpoint %d (size %d) does not extend size %d: %v", i+1, current.size, latest.size, err)
				}
				proofs++
			}
		}
		latest = current
	}

	// Every entry of the latest checkpoint: commitment, leaf hash, inclusion proof.
	public := 0
	for after := int64(-1); after+1 < latest.size; {
		var feed struct {
			Items []entry `json:"items"`
		}
		getJSON(fmt.Sprintf("/changes?after=%d&limit=1000", after), &feed)
		if len(feed.Items) == 0 {
			fail("the change feed ends at %d, before the checkpoint's size %d", after+1, latest.size)
		}
		for _, e := range feed.Items {
			if e.Index != after+1 {
				fail("the change feed gives entry %d after %d", e.Index, after)
			}
			after = e.Index
			if e.Index >= latest.size {
				break
			}
			commitment, err := hex.DecodeString(e.Commitment)
			if err != nil || len(commitment) != sha256.Size {
				fail("entry %d: the commitment is not a hex SHA-256 hash", e.Index)
			}
			// A version-2 leaf commits to the public flag, and its commitment to the ref and organisation
			// too; a version-1 leaf (before Credence's migration 0011) to neither.
			v2 := e.LeafVersion == 2
			if e.Content != nil && e.Salt != nil {
				salt, err := hex.DecodeString(*e.Salt)
				if err != nil {
					fail("entry %d: the salt is not hex", e.Index)
				}
				committed := salt
				if v2 {
					ref, organisation := "", ""
					if e.Ref != nil {
						ref = *e.Ref
					}
					if e.Organisation != nil {
						organisation = *e.Organisation
					}
					committed = append(committed, []byte(ref+"\n"+organisation+"\n")...)
				}
				sum := sha256.Sum256(append(committed, []byte(*e.Content)...))
				if !bytes.Equal(sum[:], commitment) {
					fail("entry %d: its content does not match its commitment", e.Index)
				}
				public++
			}
			data := "credence-log-entry/v1\n" + strconv.FormatInt(e.Index, 10) + "\n" + e.Kind + "\n" + e.At +
				"\n" + hex.EncodeToString(commitment) + "\n"
			if v2 {
				flag := "0"
				if e.Public {
					flag = "1"
				}
				data = "credence-log-entry/v2\n" + strconv.FormatInt(e.Index, 10) + "\n" + e.Kind + "\n" + e.At +
					"\n" + flag + "\n" + hex.EncodeToString(commitment) + "\n"
			}
			leaf := tlog.RecordHash([]byte(data))
			if hex.EncodeToString(leaf[:]) != e.LeafHash {
				fail("entry %d: its leaf hash is not that of its index, kind, time, public flag and commitment", e.Index)
			}
			var body struct {
				Proof []string `json:"proof"`
			}
			getJSON(fmt.Sprintf("/log/proofs/inclusion?index=%d&size=%d", e.Index, latest.size), &body)
			proof := tlog.RecordProof(hashes(body.Proof, "inclusion proof"))
			if err := tlog.CheckRecord(proof, latest.size, latest.root, e.Index, leaf); err != nil {
				fail("entry %d is not in the checkpoint of size %d: %v", e.Index, latest.size, err)
			}
		}
	}
	fmt.Printf("go sumdb verifies: %d checkpoints, %d consistency proofs, %d entries proved (%d public) in size %d, root %s\n",
		len(notes), proofs, latest.size, public, latest.size, latest.root)
}
