#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace berth::state {

// A prepared SQLite statement, finalized on destruction. Parameters bind
// from 1; columns read from 0.
class Statement {
 public:
  Statement(sqlite3* db, std::string_view sql);
  ~Statement();
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  Statement& bind(int index, std::string_view value);
  Statement& bind(int index, std::int64_t value);
  Statement& bind_null(int index);

  // Steps once; returns true while a row is available.
  bool step();
  // Steps until done; for statements that return no rows.
  void run();

  std::string text(int column) const;
  std::int64_t integer(int column) const;
  bool is_null(int column) const;

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_ = nullptr;
};

// Throws Error for a failed SQLite call, with the database's message.
[[noreturn]] void fail_sqlite(sqlite3* db, int rc, std::string_view doing);

}  // namespace berth::state
