# Model Almanac: a slim image that runs the bot (webhook mode by default), as an unprivileged user.
# Stage 1 builds wheels for the bot and its dependencies; the final stage installs only those wheels,
# so neither pip's build environment nor any compiler ends up in it.
FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY bot ./bot
RUN pip wheel --no-cache-dir --wheel-dir /wheels .

FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    KNOWLEDGE_DIR=/app/knowledge \
    ALMANAC_CACHE_DIR=/app/data/cache \
    MODE=webhook \
    PORT=8080
RUN useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin almanac
WORKDIR /app
RUN --mount=type=bind,from=build,source=/wheels,target=/wheels \
    pip install --no-cache-dir --no-index /wheels/*.whl
COPY knowledge ./knowledge
# data/ holds the YAML parse cache, and the SQLite database when DATABASE_URL is not set (a single replica)
RUN mkdir data && chown almanac:almanac data
USER almanac
EXPOSE 8080
VOLUME ["/app/data"]
CMD ["python", "-m", "bot"]
