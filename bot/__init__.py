"""Model Almanac (AI 模型年鉴): answers questions about the AI models released in 2025."""
