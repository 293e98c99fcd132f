// The system prompt each call's model sees.
#include <catch2/catch.hpp>

#include "actors/llm_pool.hpp"

TEST_CASE("the system prompt follows the call's language and fills variables",
          "[llm_pool]") {
  sb::llm_config cfg;
  cfg.system_prompt = "Help {caller} in {language}.";
  CHECK(sb::system_prompt_for(cfg, "hi-IN", "+9198") == "Help +9198 in hi-IN.");
  cfg.system_prompt_hi = "हिंदी में उत्तर दें। कॉल करने वाला: {caller}";
  cfg.system_prompt_en = "Answer in English.";
  CHECK(sb::system_prompt_for(cfg, "hi-IN", "+9198")
        == "हिंदी में उत्तर दें। कॉल करने वाला: +9198");
  CHECK(sb::system_prompt_for(cfg, "en-US", "+1") == "Answer in English.");
  CHECK(sb::system_prompt_for(cfg, "ta-IN", "+91") == "Help +91 in ta-IN.");
  // A caller number that itself looks like a variable is not expanded again.
  cfg.system_prompt_en.clear();
  CHECK(sb::system_prompt_for(cfg, "en-IN", "{language}")
        == "Help {language} in en-IN.");
}
