// zsadmin: operations on a service's own database, run beside the service on its host.
//
//   zsadmin --config deploy/local/reporting.yaml backup --to FILE
//   zsadmin --config deploy/local/supervision.yaml dead-letters list [--all]
//   zsadmin --config deploy/local/supervision.yaml dead-letters replay (ID... | --all)
//
// The database is found as the service finds it: data.dir of the YAML (with the same ZS_*
// environment overrides), and the service name from events.stream (zs:events:<service>) or
// --service. Other keys of the file are ignored.
#include <sqlite3.h>
#include <CLI/CLI.hpp>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

#include "config/config.h"

namespace {

[[noreturn]] void Die(const std::string& msg, int code = 1) {
  std::cerr << "zsadmin: " << msg << "\n";
  std::exit(code);
}

struct Target {
  std::string config;
  std::string service;  // empty: from events.stream
  std::string DbPath() const {
    auto c = zs::config::Config::LoadFile(config);
    if (!c.ok()) Die(std::string(c.status().message()), 2);
    std::string name = service;
    if (name.empty()) {
      const std::string stream = c->String("events.stream", "");
      const auto colon = stream.rfind(':');
      name = colon == std::string::npos ? stream : stream.substr(colon + 1);
    }
    if (name.empty()) name = std::filesystem::path(config).stem().string();
    const std::string dir = c->String("data.dir", "data/" + name);
    if (auto s = c->Errors(); !s.ok()) Die(std::string(s.message()), 2);
    return dir + "/" + name + ".db";
  }
};

sqlite3* Open(const std::string& path, int flags) {
  if (!std::filesystem::exists(path)) Die("no database at " + path);
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db, flags, nullptr) != SQLITE_OK) {
    const std::string msg = db ? sqlite3_errmsg(db) : "out of memory";
    sqlite3_close(db);
    Die("cannot open " + path + ": " + msg);
  }
  sqlite3_busy_timeout(db, 10000);
  return db;
}

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// An online copy with SQLite's backup API: the service keeps writing meanwhile; the copy is one
// consistent snapshot. Written to FILE.tmp, then renamed, so FILE is never half written.
void Backup(const Target& t, const std::string& to) {
  const std::string from = t.DbPath();
  sqlite3* src = Open(from, SQLITE_OPEN_READONLY);
  const std::string tmp = to + ".tmp";
  std::filesystem::remove(tmp);
  sqlite3* dst = nullptr;
  if (sqlite3_open_v2(tmp.c_str(), &dst, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr) !=
      SQLITE_OK) {
    Die("cannot create " + tmp);
  }
  sqlite3_backup* b = sqlite3_backup_init(dst, "main", src, "main");
  if (b == nullptr) Die(std::string("backup: ") + sqlite3_errmsg(dst));
  int rc;
  while ((rc = sqlite3_backup_step(b, -1)) == SQLITE_BUSY || rc == SQLITE_LOCKED) {
    sqlite3_sleep(50);
  }
  const int pages = sqlite3_backup_pagecount(b);
  sqlite3_backup_finish(b);
  if (rc != SQLITE_DONE) Die(std::string("backup: ") + sqlite3_errstr(rc));
  // A self-contained file: no WAL beside it.
  sqlite3_exec(dst, "PRAGMA journal_mode=DELETE", nullptr, nullptr, nullptr);
  sqlite3_close(dst);
  sqlite3_close(src);
  std::filesystem::rename(tmp, to);
  std::cout << "backed up " << from << " to " << to << " (" << pages << " pages)\n";
}

void ListDeadLetters(const Target& t, bool all) {
  sqlite3* db = Open(t.DbPath(), SQLITE_OPEN_READONLY);
  const std::string sql = std::string(
                              "SELECT id, state, consumer, stream, entry_id, event_id, type, tries,"
                              " reason FROM dead_letters") +
                          (all ? "" : " WHERE state <> 'replayed'") + " ORDER BY id";
  sqlite3_stmt* st = nullptr;
  if (sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr) != SQLITE_OK) {
    Die(std::string("dead-letters: ") + sqlite3_errmsg(db));
  }
  std::cout << "id\tstate\tconsumer\tstream\tentry\tevent\ttype\ttries\treason\n";
  while (sqlite3_step(st) == SQLITE_ROW) {
    for (int i = 0; i < 9; ++i) {
      const auto* v = sqlite3_column_text(st, i);
      std::cout << (i ? "\t" : "") << (v ? reinterpret_cast<const char*>(v) : "");
    }
    std::cout << "\n";
  }
  sqlite3_finalize(st);
  sqlite3_close(db);
}

// Marks dead letters for replay; the running service applies them through its normal handler
// path (with the same dedupe) within about a second and marks them replayed, or dead again.
void Replay(const Target& t, const std::vector<int64_t>& ids, bool all) {
  if (ids.empty() && !all) Die("replay: name dead letter ids or --all", 2);
  sqlite3* db = Open(t.DbPath(), SQLITE_OPEN_READWRITE);
  std::string sql = "UPDATE dead_letters SET state = 'replay', updated_at = ? WHERE state = 'dead'";
  if (!all) {
    sql += " AND id IN (";
    for (size_t i = 0; i < ids.size(); ++i) sql += i ? ", ?" : "?";
    sql += ")";
  }
  sqlite3_stmt* st = nullptr;
  if (sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr) != SQLITE_OK) {
    Die(std::string("replay: ") + sqlite3_errmsg(db));
  }
  sqlite3_bind_int64(st, 1, NowMs());
  for (size_t i = 0; !all && i < ids.size(); ++i) {
    sqlite3_bind_int64(st, static_cast<int>(i) + 2, ids[i]);
  }
  if (sqlite3_step(st) != SQLITE_DONE) Die(std::string("replay: ") + sqlite3_errmsg(db));
  const int n = sqlite3_changes(db);
  sqlite3_finalize(st);
  sqlite3_close(db);
  std::cout << "marked " << n << " dead letter(s) for replay\n";
  if (n == 0 && !all) std::exit(1);
}

}  // namespace

int main(int argc, char** argv) {
  Target t;
  CLI::App app{"zsadmin - backup and dead letters of a Zhongshu service's database"};
  app.require_subcommand(1);
  app.add_option("--config", t.config, "the service's YAML (data.dir, events.stream)")->required();
  app.add_option("--service", t.service, "service name; default from events.stream");

  std::string to;
  auto* backup = app.add_subcommand("backup", "online backup of the database to a file");
  backup->add_option("--to", to, "file to write")->required();
  backup->callback([&] { Backup(t, to); });

  auto* dl = app.add_subcommand("dead-letters", "events the service gave up on");
  dl->require_subcommand(1);
  bool list_all = false;
  auto* list = dl->add_subcommand("list", "dead letters not yet replayed");
  list->add_flag("--all", list_all, "replayed ones too");
  list->callback([&] { ListDeadLetters(t, list_all); });
  std::vector<int64_t> ids;
  bool replay_all = false;
  auto* replay = dl->add_subcommand("replay", "mark dead letters for the service to apply again");
  replay->add_option("ids", ids, "dead letter ids (from list)");
  replay->add_flag("--all", replay_all, "every dead letter");
  replay->callback([&] { Replay(t, ids, replay_all); });

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : 2;
  }
  return 0;
}
