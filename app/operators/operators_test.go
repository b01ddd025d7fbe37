package operators

import (
	"context"
	"strings"
	"testing"
	"time"

	"mangotqm/app/mango/vpbx"
	"mangotqm/app/mango/vpbxfake"
	"mangotqm/app/tqm"
	"mangotqm/app/tqm/sandbox"
)

func TestSyncOperators(t *testing.T) {
	mango := vpbxfake.New("vpbxkey0123456789abcdefghij", "salt0123456789abcdef0123456789ab",
		vpbxfake.WithUsers(
			vpbxfake.User{UserID: 101, Name: "Иванова Мария", Email: "m.ivanova@office.test", Extension: "201"},
			vpbxfake.User{UserID: 102, Name: "Петров Пётр", Email: "", Extension: "202"},
			vpbxfake.User{UserID: 103, Name: "Сидоров Олег", Email: "o.sidorov@office.test", Extension: "203"},
		))
	defer mango.Close()
	fake := sandbox.New("tqm-key-123456")
	defer fake.Close()
	mc := &vpbx.Client{BaseURL: mango.URL(), Key: "vpbxkey0123456789abcdefghij", Salt: "salt0123456789abcdef0123456789ab"}
	tc := &tqm.Client{BaseURL: fake.URL(), Key: func(context.Context) (string, error) { return "tqm-key-123456", nil }}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	rep, err := Sync(ctx, mc, tc)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Imported != 2 || len(rep.Skipped) != 1 || !strings.Contains(rep.Skipped[0], "e-mail") {
		t.Fatalf("report %+v", rep)
	}
	users := fake.Users()
	if u := users["201"]; u.LastName != "Иванова Мария" || u.Email != "m.ivanova@office.test" || u.RoleID != "2" {
		t.Fatalf("TQM has %+v", u)
	}
	if _, ok := users["202"]; ok {
		t.Fatal("an employee without e-mail was imported")
	}
	// Again: an upsert, nothing duplicated.
	if rep, err := Sync(ctx, mc, tc); err != nil || rep.Imported != 2 || len(fake.Users()) != 2 {
		t.Fatalf("second sync: %+v %v, TQM has %d", rep, err, len(fake.Users()))
	}
	// A revoked key stops the sync with a plain error.
	fake.SetKey("other")
	if _, err := Sync(ctx, mc, tc); err == nil || !strings.Contains(err.Error(), "rejected the access key") {
		t.Fatalf("revoked key: %v", err)
	}
}
