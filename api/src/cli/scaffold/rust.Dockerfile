# The __NAME__ handler. Build: docker build -t __NAME_DASHED__-handler .
FROM rust:1.91-slim AS build
WORKDIR /src
COPY Cargo.toml ./
COPY src ./src
RUN cargo build --release

FROM debian:trixie-slim
COPY --from=build /src/target/release/__NAME_DASHED__-handler /usr/local/bin/handler
USER 10001
ENV PORT=8080
EXPOSE 8080
CMD ["/usr/local/bin/handler"]
