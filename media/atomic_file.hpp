// Crash-safe file writes: a file appears under its final name complete or not at all.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace reel::media {

// Writes `bytes` to a unique temporary name in `path`'s directory, fsyncs it, renames it to
// `path` (atomically replacing any file there) and fsyncs the directory so the rename
// survives a crash. Concurrent writers of the same path each use their own temporary file;
// the last rename wins. False on any error (the temporary file is removed); errno then says
// why, as it does for the other functions here (ENOSPC: the disk is full).
bool write_file_atomically(const std::filesystem::path& path, std::string_view bytes);

// Creates `dir` (one level below an existing parent) if missing and fsyncs the parent so the
// new directory entry is durable. False on error.
bool ensure_directory(const std::filesystem::path& dir);

// Fsyncs `from`, renames it to `to` and fsyncs the directory. False on any error.
bool sync_and_rename(const std::filesystem::path& from, const std::filesystem::path& to);

// The whole file, or nullopt when it cannot be read.
std::optional<std::string> read_file(const std::filesystem::path& path);

}  // namespace reel::media
