// The strict config reader: declared keys, units, ranges, sources, and messages that name the
// file, the line, the key and the fix.
#include <gtest/gtest.h>

#include <functional>

#include "trnsim/base/config.h"
#include "trnsim/base/error.h"

namespace trnsim {
namespace {

ConfigNode yaml(const std::string& text) { return ConfigNode::parse_yaml(text, "test.yaml"); }

std::string error_of(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(BaseConfig, ReadsDeclaredValuesWithUnitsAndDefaults) {
  const ConfigNode n = yaml("clock: 1.4GHz\nsize: 24MiB\ncount: 16\nname: trn2\nflag: true\n");
  ConfigReader r(n);
  EXPECT_EQ(r.frequency("clock").hz, 1400000000);
  EXPECT_EQ(r.bytes("size").v, 24LL << 20);
  EXPECT_EQ(r.integer("count", 1, 128), 16);
  EXPECT_EQ(r.str("name"), "trn2");
  EXPECT_TRUE(r.boolean("flag"));
  EXPECT_EQ(r.integer("missing", 0, 10, 7), 7);
  EXPECT_NO_THROW(r.finish());
}

TEST(BaseConfig, UnknownKeyNamesFileLineKeyAndClosestKey) {
  const ConfigNode n = yaml("clock: 1GHz\nclokc: 2GHz\n");
  ConfigReader r(n);
  r.frequency("clock");
  const std::string msg = error_of([&] { r.finish(); });
  EXPECT_NE(msg.find("test.yaml:2"), std::string::npos) << msg;
  EXPECT_NE(msg.find("unknown key 'clokc'"), std::string::npos) << msg;
  EXPECT_NE(msg.find("did you mean 'clock'"), std::string::npos) << msg;
}

TEST(BaseConfig, MissingKeyBadUnitAndOutOfRangeSayTheFix) {
  const ConfigNode n = yaml("clock: 1.4 parsecs\ncount: 500\n");
  ConfigReader r(n);
  EXPECT_NE(error_of([&] { r.integer("rows", 1, 128); }).find("required key 'rows' is missing"), std::string::npos);
  const std::string unit = error_of([&] { r.frequency("clock"); });
  EXPECT_NE(unit.find("test.yaml:1"), std::string::npos) << unit;
  EXPECT_NE(unit.find("GHz"), std::string::npos) << unit;
  const std::string range = error_of([&] { r.integer("count", 1, 128); });
  EXPECT_NE(range.find("[1, 128]"), std::string::npos) << range;
}

TEST(BaseConfig, SourcedValuesKeepTheirSourceAndCanBeRequired) {
  const ConfigNode n = yaml("clock: {value: 2.4GHz, source: \"NKI arch guide\"}\nrows: 128\n");
  ConfigReader r(n);
  r.require_sources(true);
  EXPECT_EQ(r.frequency("clock").hz, 2400000000);
  ASSERT_EQ(r.log()->size(), 1u);
  EXPECT_EQ(r.log()->front().source, "NKI arch guide");
  EXPECT_NE(error_of([&] { r.integer("rows", 1, 128); }).find("has no source"), std::string::npos);
}

TEST(BaseConfig, BadYamlAndDuplicateKeysNameTheLine) {
  EXPECT_NE(error_of([] { yaml("a: [1, 2\n"); }).find("test.yaml:"), std::string::npos);
  EXPECT_NE(error_of([] { yaml("a: 1\na: 2\n"); }).find("appears twice"), std::string::npos);
}

TEST(BaseConfig, NullKeysAreAbsentButKnown) {
  const ConfigNode n = yaml("tp: null\npp: 4\n");
  ConfigReader r(n);
  EXPECT_TRUE(r.absent("tp"));
  EXPECT_TRUE(r.absent("cp"));
  EXPECT_FALSE(r.absent("pp"));
  r.integer("pp", 1, 64);
  EXPECT_NO_THROW(r.finish());
}


// Configurations that would recurse, explode, or be misread are refused by file and line.
TEST(BaseConfig, AliasesKeysDocumentsAndNumbersThatCannotBeReadAreRefused) {
  struct Case {
    std::string text, part;
  };
  std::string bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n";
  for (char c = 'b'; c <= 'h'; ++c) {
    bomb += std::string(1, c) + ": &" + std::string(1, c) + " [";
    for (int i = 0; i < 10; ++i) bomb += std::string(i ? ", *" : "*") + std::string(1, c - 1);
    bomb += "]\n";
  }
  for (const Case& c : std::vector<Case>{{"x: &a [*a]\n", "nests deeper"},
                                         {bomb, "expands to more than"},
                                         {"? [a, b]\n: 1\n", "not a plain name"},
                                         {"a: 1\n---\nb: 2\n", "2 YAML documents"}}) {
    SCOPED_TRACE(c.text.substr(0, 40));
    const std::string msg = error_of([&] { yaml(c.text); });
    EXPECT_NE(msg.find("test.yaml"), std::string::npos) << msg;
    EXPECT_NE(msg.find(c.part), std::string::npos) << msg;
  }
  // Integers are decimal: a leading zero is not octal.
  const ConfigNode n = yaml("count: 020\nhuge: 99999999999999999999\n");
  ConfigReader r(n);
  EXPECT_EQ(r.integer("count", 0, 100), 20);
  EXPECT_NE(error_of([&] { r.integer("huge", 0, 100); }).find("out of range"), std::string::npos);
  // Units: beyond the 64-bit range is refused, not wrapped.
  const ConfigNode u = yaml("bw: 1e300TB/s\nt: 1e30s\n");
  ConfigReader ru(u);
  EXPECT_NE(error_of([&] { ru.bandwidth("bw"); }).find("too large"), std::string::npos);
  EXPECT_NE(error_of([&] { ru.time("t"); }).find("too large"), std::string::npos);
  // A directory is not a configuration file.
  EXPECT_NE(error_of([] { ConfigNode::load_yaml_file("/tmp"); }).find("is a directory"), std::string::npos);
}

}  // namespace
}  // namespace trnsim
