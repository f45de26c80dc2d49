#pragma once

// The build context as the remote client sends it: a tar of the context
// directory without the paths that .containerignore (else .dockerignore)
// excludes.

#include <string>
#include <vector>

#include "build/ignore.hpp"

namespace berth::engine {

// The ignore file of a context directory: .containerignore, else
// .dockerignore, as the builder reads it.
struct ContextIgnoreFile {
  build::IgnoreRules rules;
  // Whether some pattern starts with "!", so that a path under an
  // excluded directory can still be included.
  bool has_exceptions = false;
  std::string name;  // ".containerignore" or ".dockerignore"; "" when neither exists
  std::string text;  // the file's content

  static ContextIgnoreFile load(const std::string& context_dir);
};

// A file added to the context tar under a name of the caller's choice,
// such as a Containerfile from outside the context.
struct ExtraTarFile {
  std::string source_path;  // the file on this host; "" to send content
  std::string content;      // the file's bytes when source_path is ""
  std::string name;         // its path inside the tar
};

// Writes an uncompressed tar of context_dir to fd, leaving out what the ignore
// file excludes, then the extra files. An extra file replaces the context
// file of the same name. Entries keep their mode, owner, times
// and symlink targets, and symlinks are not followed. The paths in
// always_include (relative to the context, such as the Containerfile) are
// sent even when excluded. Throws Error{kNotFound} when context_dir does not
// exist, and the Error of a failed read or write otherwise.
void write_context_tar(const std::string& context_dir, const ContextIgnoreFile& ignore,
                       const std::vector<std::string>& always_include,
                       const std::vector<ExtraTarFile>& extra_files, int fd);

}  // namespace berth::engine
