// SqlitePromptStore: PromptStore over SQLite (internal; callers get it through Store::Prompts()).
// Tables are those of the "prompt registry" migration. Every write runs as one closure on the
// writer, so the content-hash comparison, the version counter, the `latest` label and the label
// history commit together or not at all, and concurrent pushes are serialized; reads use the pool
// inside one read transaction so a prompt and its labels come from the same snapshot.
//
// Thread safety: every method from any thread except the writer thread.
#pragma once

#include "store/prompt_store.h"
#include "store/reader_pool.h"
#include "store/writer.h"

namespace ballast::store {

class SqlitePromptStore final : public PromptStore {
 public:
  SqlitePromptStore(Writer& writer, ReaderPool& readers) : writer_(writer), readers_(readers) {}

  Result<PushResult> Push(const PromptPush& push, const Actor& actor) override;
  Result<std::vector<PushResult>> PushAll(const std::vector<PromptPush>& pushes, bool check_only,
                                          const Actor& actor) override;
  Result<RegisteredPrompt> GetPrompt(std::string_view name) override;
  Result<Page<RegisteredPrompt>> ListPrompts(const ListQuery& query) override;
  Status DeletePrompt(std::string_view name, std::string_view expected_etag,
                      const Actor& actor) override;
  Result<PromptVersion> GetVersion(std::string_view name, int64_t version) override;
  Result<PromptVersion> GetVersionByRef(std::string_view name, std::string_view ref) override;
  Result<Page<PromptVersion>> ListVersions(std::string_view name, const ListQuery& query) override;
  Status DeleteVersion(std::string_view name, int64_t version, const Actor& actor) override;
  Result<LabelMove> SetLabel(std::string_view name, std::string_view label, int64_t version,
                             std::string_view reason, const Actor& actor) override;
  Result<LabelMove> DeleteLabel(std::string_view name, std::string_view label,
                                std::string_view reason, const Actor& actor) override;
  Result<std::vector<LabelMove>> LabelHistory(std::string_view name,
                                              std::string_view label) override;
  Result<PromptVersion> ResolveRef(std::string_view ref) override;

 private:
  Writer& writer_;
  ReaderPool& readers_;
};

}  // namespace ballast::store
