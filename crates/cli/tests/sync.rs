//! `fieldkit pull` and `fieldkit push` against a real CouchDB-compatible server:
//! pouchdb-server (pinned in tests/e2e/package.json, installed by scripts/setup.sh),
//! started on 127.0.0.1 on a free port for each test and stopped after.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

const ADMIN: (&str, &str) = ("admin", "admin-secret-1");
const ANN: (&str, &str) = ("ann", "ann-password-1");
const BOB: (&str, &str) = ("bob", "bob-password-1");

struct Server {
    child: Child,
    url: String,
    dir: PathBuf,
    agent: ureq::Agent,
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).expect("a free port")
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("fieldkit-sync-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

impl Server {
    /// A server with an administrator, two users (ann and bob) and the database
    /// `db` whose only member is ann.
    fn start(name: &str, db: &str) -> Server {
        let bin = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/e2e/node_modules/.bin/pouchdb-server");
        assert!(
            bin.exists(),
            "pouchdb-server is not installed at {}: run scripts/setup.sh (make test does)",
            bin.display()
        );
        let port = free_port();
        let dir = scratch(name);
        let child = Command::new(&bin)
            .args(["--in-memory", "--host", "127.0.0.1", "--port", &port.to_string()])
            .current_dir(&dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start pouchdb-server");
        let agent: ureq::Agent = ureq::Agent::config_builder().http_status_as_error(false).build().into();
        let server = Server { child, url: format!("http://127.0.0.1:{port}"), dir, agent };
        let started = Instant::now();
        while server.agent.get(&server.url).call().is_err() {
            assert!(started.elapsed() < Duration::from_secs(60), "pouchdb-server did not start");
            std::thread::sleep(Duration::from_millis(200));
        }
        // Leave the "admin party": from here on every request needs an account.
        let (status, _) = server.request("PUT", &format!("/_config/admins/{}", ADMIN.0), None, Some(json!(ADMIN.1)));
        assert_eq!(status, 200);
        for (user, password) in [ANN, BOB] {
            let doc = json!({ "name": user, "password": password, "roles": [], "type": "user" });
            let (status, _) =
                server.request("PUT", &format!("/_users/org.couchdb.user:{user}"), Some(ADMIN), Some(doc));
            assert_eq!(status, 201);
        }
        assert_eq!(server.request("PUT", &format!("/{db}"), Some(ADMIN), None).0, 201);
        let security = json!({ "admins": { "names": [], "roles": [] }, "members": { "names": [ANN.0], "roles": [] } });
        assert_eq!(server.request("PUT", &format!("/{db}/_security"), Some(ADMIN), Some(security)).0, 200);
        server
    }

    fn request(&self, method: &str, path: &str, who: Option<(&str, &str)>, body: Option<Value>) -> (u16, Value) {
        let url = format!("{}{path}", self.url);
        let auth = who.map(|(u, p)| {
            use base64::Engine as _;
            format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(format!("{u}:{p}")))
        });
        let response = match method {
            "GET" => {
                let mut r = self.agent.get(&url);
                if let Some(a) = &auth {
                    r = r.header("Authorization", a);
                }
                r.call()
            }
            _ => {
                let mut r = if method == "PUT" { self.agent.put(&url) } else { self.agent.post(&url) };
                r = r.header("Content-Type", "application/json");
                if let Some(a) = &auth {
                    r = r.header("Authorization", a);
                }
                match body {
                    Some(body) => r.send(body.to_string()),
                    None => r.send_empty(),
                }
            }
        };
        let mut response = response.expect("the test server answers");
        let status = response.status().as_u16();
        let text = response.body_mut().with_config().limit(1 << 30).read_to_string().unwrap_or_default();
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    fn admin_get(&self, path: &str) -> Value {
        let (status, body) = self.request("GET", path, Some(ADMIN), None);
        assert_eq!(status, 200, "GET {path}: {body}");
        body
    }

    fn update_seq(&self, db: &str) -> Value {
        self.admin_get(&format!("/{db}"))["update_seq"].clone()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Runs `fieldkit` as the given account (or none).
fn fieldkit(args: &[&str], who: Option<(&str, &str)>) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_fieldkit"));
    command.args(args).env_remove("FIELDKIT_USER").env_remove("FIELDKIT_PASSWORD");
    if let Some((user, password)) = who {
        command.env("FIELDKIT_USER", user).env("FIELDKIT_PASSWORD", password);
    }
    command.output().expect("run fieldkit")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn ok(out: Output) -> Output {
    assert!(out.status.success(), "fieldkit failed: {}", text(&out.stderr));
    out
}

fn json_of(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {}", text(&out.stdout)))
}

fn read_json(path: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

fn write_json(path: &Path, value: &Value) {
    std::fs::write(path, serde_json::to_vec_pretty(value).unwrap()).unwrap();
}

/// The study's content, without when and how the file was made.
fn content(mut backup: Value) -> Value {
    for field in ["exported_at", "sync", "generator"] {
        backup.as_object_mut().unwrap().remove(field);
    }
    backup
}

fn demo(dir: &Path) -> PathBuf {
    let file = dir.join("demo.json");
    ok(fieldkit(&["demo", "-o", file.to_str().unwrap()], None));
    file
}

#[test]
fn push_then_pull_gives_back_the_study_and_an_unchanged_push_writes_nothing() {
    let db = "coop-care";
    let server = Server::start("roundtrip", db);
    let dir = scratch("roundtrip-files");
    let file = demo(&dir);
    let out = json_of(&ok(fieldkit(&["push", file.to_str().unwrap(), &server.url, db], Some(ANN))));
    let created = out["created"].as_u64().unwrap();
    assert!(created > 50, "{out}");
    assert_eq!(out["written"], created);
    assert_eq!(out["database_created"], false);
    // On the server, a readable document per record, keyed by the record key.
    let all = server.admin_get(&format!("/{db}/_all_docs"));
    assert_eq!(all["total_rows"].as_u64().unwrap(), created);
    let demo_json = read_json(&file);
    let case = &demo_json["cases"][0];
    let doc = server.admin_get(&format!("/{db}/case:{}", case["id"].as_str().unwrap()));
    assert_eq!(doc["kind"], "case");
    assert_eq!(doc["fieldkit"], 1);
    assert_eq!(doc["body"]["name"], case["name"]);

    let seq = server.update_seq(db);
    let again = json_of(&ok(fieldkit(&["push", file.to_str().unwrap(), &server.url, db], Some(ANN))));
    assert_eq!(again["written"], 0, "{again}");
    assert_eq!(again["unchanged"], created);
    assert_eq!(server.update_seq(db), seq, "an unchanged push must not move update_seq");

    let pulled = dir.join("pulled.json");
    let out = ok(fieldkit(&["pull", &server.url, db, "-o", pulled.to_str().unwrap()], Some(ANN)));
    assert!(text(&out.stderr).contains(&format!("pulled {created} documents")), "{}", text(&out.stderr));
    let pulled_json = read_json(&pulled);
    assert_eq!(pulled_json["sync"]["database"], db);
    assert_eq!(pulled_json["sync"]["revisions"].as_object().unwrap().len() as u64, created);
    assert_eq!(content(pulled_json), content(demo_json));
    // The pulled file works with every other command.
    let summary = json_of(&ok(fieldkit(&["summary", pulled.to_str().unwrap()], None)));
    assert_eq!(summary["cases"], 4);
    // And pushing it back unchanged writes nothing either.
    let back = json_of(&ok(fieldkit(&["push", pulled.to_str().unwrap(), &server.url, db], Some(ANN))));
    assert_eq!(back["written"], 0, "{back}");
    assert_eq!(server.update_seq(db), seq);
}

#[test]
fn an_edit_made_elsewhere_is_never_overwritten_and_both_versions_stay() {
    let db = "coop-care";
    let server = Server::start("conflict", db);
    let dir = scratch("conflict-files");
    let file = demo(&dir);
    ok(fieldkit(&["push", file.to_str().unwrap(), &server.url, db], Some(ANN)));
    let (a, b) = (dir.join("a.json"), dir.join("b.json"));
    ok(fieldkit(&["pull", &server.url, db, "-o", a.to_str().unwrap()], Some(ANN)));
    ok(fieldkit(&["pull", &server.url, db, "-o", b.to_str().unwrap()], Some(ANN)));

    // A renames the first case and deletes a memo; the push updates and deletes in place.
    let mut a_json = read_json(&a);
    let case_id = a_json["cases"][0]["id"].as_str().unwrap().to_string();
    a_json["cases"][0]["name"] = json!("Renamed at site A");
    let memo_id = a_json["memos"][0]["id"].as_str().unwrap().to_string();
    a_json["memos"].as_array_mut().unwrap().remove(0);
    write_json(&a, &a_json);
    let out = json_of(&ok(fieldkit(&["push", a.to_str().unwrap(), &server.url, db], Some(ANN))));
    assert_eq!((out["updated"].as_u64(), out["deleted"].as_u64()), (Some(1), Some(1)), "{out}");
    assert_eq!(out["conflicts"], json!([]));
    let (status, _) = server.request("GET", &format!("/{db}/memo:{memo_id}"), Some(ADMIN), None);
    assert_eq!(status, 404);

    // B, pulled before A's push, renames the same case: a conflict, not an overwrite.
    let mut b_json = read_json(&b);
    b_json["cases"][0]["name"] = json!("Renamed at site B");
    write_json(&b, &b_json);
    let out = json_of(&ok(fieldkit(&["push", b.to_str().unwrap(), &server.url, db], Some(ANN))));
    assert_eq!(out["conflicts"], json!([format!("case:{case_id}")]), "{out}");
    // B's file still has A's memo: the server's deletion is kept, not undone.
    assert_eq!(out["deleted_on_server"], 1, "{out}");
    let doc = server.admin_get(&format!("/{db}/case:{case_id}?conflicts=true"));
    let losing = doc["_conflicts"].as_array().expect("the case is in conflict");
    assert_eq!(losing.len(), 1);
    let other = server.admin_get(&format!("/{db}/case:{case_id}?rev={}", losing[0].as_str().unwrap()));
    let mut names =
        vec![doc["body"]["name"].as_str().unwrap().to_string(), other["body"]["name"].as_str().unwrap().to_string()];
    names.sort();
    assert_eq!(names, ["Renamed at site A", "Renamed at site B"]);

    // The same push again writes nothing new.
    let seq = server.update_seq(db);
    let again = json_of(&ok(fieldkit(&["push", b.to_str().unwrap(), &server.url, db], Some(ANN))));
    assert_eq!(again["refused"], 0, "{again}");
    assert_eq!(server.update_seq(db), seq);

    // A pull says so and names the object.
    let c = dir.join("c.json");
    let out = ok(fieldkit(&["pull", &server.url, db, "-o", c.to_str().unwrap()], Some(ANN)));
    let report = text(&out.stderr);
    assert!(report.contains("1 objects have versions in conflict") && report.contains(&case_id), "{report}");
}

#[test]
fn refusals_are_one_clear_line_and_change_nothing() {
    let db = "coop-care";
    let server = Server::start("refusals", db);
    let dir = scratch("refusal-files");
    let file = demo(&dir);
    let file = file.to_str().unwrap();
    let out_file = dir.join("out.json");
    let out_path = out_file.to_str().unwrap();
    let one_line = |out: &Output, expected: &str| {
        assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
        let err = text(&out.stderr);
        assert_eq!(err.trim_end().lines().count(), 1, "one line: {err}");
        assert!(err.contains(expected), "expected “{expected}” in: {err}");
    };
    one_line(
        &fieldkit(&["push", file, &server.url, db], Some((ANN.0, "wrong"))),
        "refused the user name or password for ann",
    );
    one_line(
        &fieldkit(&["pull", &server.url, db, "-o", out_path], Some((ANN.0, "wrong"))),
        "refused the user name or password",
    );
    one_line(&fieldkit(&["push", file, &server.url, db], None), "set FIELDKIT_USER and FIELDKIT_PASSWORD");
    one_line(
        &fieldkit(&["push", file, &server.url, db], Some(BOB)),
        "bob is not a member of the team's database coop-care",
    );
    one_line(
        &fieldkit(&["pull", &server.url, "no-such-study", "-o", out_path], Some(ANN)),
        "there is no database no-such-study",
    );
    one_line(&fieldkit(&["pull", &server.url, db, "-o", out_path], Some(ANN)), "holds no fieldkit study");
    assert_eq!(server.update_seq(db), json!(0), "nothing was written");
    assert!(!out_file.exists(), "no file is written when the pull fails");

    // Another study's database.
    ok(fieldkit(&["push", file, &server.url, db], Some(ANN)));
    let seq = server.update_seq(db);
    let original = std::fs::read_to_string(file).unwrap();
    let study_id = read_json(Path::new(file))["study"]["id"].as_str().unwrap().to_string();
    let other = dir.join("other.json");
    std::fs::write(&other, original.replace(&study_id, "7b1c2a5e-0000-4000-8000-000000000001")).unwrap();
    one_line(&fieldkit(&["push", other.to_str().unwrap(), &server.url, db], Some(ANN)), "holds another study");
    assert_eq!(server.update_seq(db), seq);

    // Not a CouchDB server; no server at all.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let web = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let mut stream = stream;
            let mut buf = [0u8; 4096];
            let _ = stream.read(&mut buf);
            let page = "<html><body>A university web page</body></html>";
            let _ = write!(
                stream,
                "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{page}",
                page.len()
            );
        }
    });
    one_line(&fieldkit(&["push", file, &web, db], Some(ANN)), "does not answer as a CouchDB server");
    let nobody = format!("http://127.0.0.1:{}", free_port());
    one_line(&fieldkit(&["pull", &nobody, db, "-o", out_path], Some(ANN)), "cannot reach the server");
    one_line(&fieldkit(&["pull", "ftp://example.org", db, "-o", out_path], Some(ANN)), "is not a server address");
    one_line(
        &fieldkit(&["pull", &server.url, "Bad Name", "-o", out_path], Some(ANN)),
        "is not a CouchDB database name",
    );
}

#[test]
fn a_study_encrypted_end_to_end_is_neither_pulled_nor_pushed_in_clear() {
    let db = "coop-care-protected";
    let server = Server::start("encrypted", db);
    let dir = scratch("encrypted-files");
    let file = demo(&dir);
    let file = file.to_str().unwrap();
    let out_file = dir.join("out.json");
    // What a protected tablet publishes: the wrapped team key, and sealed records.
    let keyring = json!({ "_id": "fieldkit-keyring", "fieldkit_keyring": 1, "study": "s", "keyring": {} });
    assert_eq!(server.request("PUT", &format!("/{db}/fieldkit-keyring"), Some(ANN), Some(keyring)).0, 201);
    let sealed = json!({ "fieldkit": 1, "kind": "study", "study": "7b1c2a5e-0000-4000-8000-000000000002", "schema": 1, "sealed": "fieldkit-sealed/1:AAAA" });
    assert_eq!(
        server.request("PUT", &format!("/{db}/study:7b1c2a5e-0000-4000-8000-000000000002"), Some(ANN), Some(sealed)).0,
        201
    );
    let seq = server.update_seq(db);
    let out = fieldkit(&["push", file, &server.url, db], Some(ANN));
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("encrypted end to end, and fieldkit push would write in clear"),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(server.update_seq(db), seq, "nothing was written");
    let out = fieldkit(&["pull", &server.url, db, "-o", out_file.to_str().unwrap()], Some(ANN));
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("encrypted end to end"), "{}", text(&out.stderr));
    assert!(!out_file.exists());
}
