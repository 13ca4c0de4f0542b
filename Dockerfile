# Multi-stage build of the scenario-market server.
FROM rust:1.95-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release --locked -p scenario-market \
 && cp target/release/scenario-market /scenario-market

FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates curl \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --home /var/lib/scenario-market --create-home market
COPY --from=build /scenario-market /usr/local/bin/scenario-market
USER market
WORKDIR /var/lib/scenario-market
ENV APP__DATA_DIR=/var/lib/scenario-market APP__SERVER__ADDRESS=0.0.0.0:8080
EXPOSE 8080
ENTRYPOINT ["/usr/local/bin/scenario-market"]
CMD ["serve"]
