"""Initial schema: every Dorado table (bots, candidates, orders, positions, risk, regime, bandits,
audit log and head, leases, and the time series), with `user_id` on each.

Revision ID: 0001
Revises:
Create Date: 2026-11-22

"""
from __future__ import annotations

from collections.abc import Sequence

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision: str = '0001'
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table('account_snapshots',
    sa.Column('user_id', sa.String(length=64), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.String(), nullable=False),
    sa.Column('currency', sa.String(), nullable=False),
    sa.Column('cash', sa.Float(), nullable=False),
    sa.Column('net_liquidation', sa.Float(), nullable=False),
    sa.Column('buying_power', sa.Float(), nullable=False),
    sa.Column('initial_margin', sa.Float(), nullable=False),
    sa.Column('maintenance_margin', sa.Float(), nullable=False),
    sa.Column('realized_pnl', sa.Float(), nullable=True),
    sa.Column('unrealized_pnl', sa.Float(), nullable=True),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_account_snapshots')),
    sa.UniqueConstraint('user_id', 'account_id', 'at', name=op.f('uq_account_snapshots_user_id_account_id_at'))
    )
    op.create_table('annotations',
    sa.Column('user_id', sa.String(length=64), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('candidate_key', sa.String(), nullable=False),
    sa.Column('tag', sa.String(), nullable=False),
    sa.Column('note', sa.String(), nullable=False),
    sa.Column('author', sa.String(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_annotations'))
    )
    with op.batch_alter_table('annotations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_annotations_candidate_key'), ['candidate_key'], unique=False)

    op.create_table('audit_head',
    sa.Column('user_id', sa.String(length=64), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('user_id', name=op.f('pk_audit_head'))
    )
    op.create_table('audit_log',
    sa.Column('user_id', sa.String(length=64), nullable=False),
    sa.Column('seq', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor', sa.String(), nullable=False),
    sa.Column('action', sa.String(), nullable=False),
    sa.Column('subject', sa.String(), nullable=False),
    sa.Column('payload', sa.Text(), nullable=False),
    sa.Column('prev_hash', sa.String(length=64), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('user_id', 'seq', name=op.f('pk_audit_log'))
    )
    op.create_table('bandit_decisions',
    sa.Column('user_id', sa.String(length=64), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('bandit', sa.String(), nullable=False),
    sa.Column('scan_id', sa.String(), nullable=False),
    sa.Column('chosen', sa.String(), nullable=False),
    sa.Column('context', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('scores', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('reward', sa.Float(), nullable=True),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bandit_decisions'))
    )
    with op.batch_alter_table('bandit_decisions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_bandit_decisions_user_id_bandit_at'), ['user_id', 'bandit', 'at'], unique=False)

    op.create_table('bandit_state',
    sa.Column('user_id', sa.String(length=64), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('bandit', sa.String(), nullable=False),
    sa.Column('arm', sa.String(), nullable=False),
    sa.Column('a_matrix', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('b_vector', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('n_obs', sa.Integer(), nullable=False),
    sa.Column('params', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bandit_state')),
    sa.UniqueConstraint('user_id', 'bandit', 'arm', name=op.f('uq_bandit_state_user_id_bandit_arm'))
    )
    op.create_table('bots',
    sa.Column('user_id', sa.String(length=64), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('bot_key', sa.String(), nullable=False),
    sa.Column('universe', sa.String(), nullable=False),
    sa.Column('underlying', sa.String(), nullable=False),
    sa.Column('template', sa.String(), nullable=False),
    sa.Column('strategy_layer', sa.String(), nullable=False),
    sa.Column('mode', sa.String(), nullable=False),
    sa.Column('enabled', sa.Boolean(), nullable=False),
    sa.Column('state', sa.String(), nullable=False),
    sa.Column('config_version', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bots')),
    sa.UniqueConstraint('user_id', 'bot_key', name=op.f('uq_bots_user_id_bot_key'))
    )
    op.create_table('candidates',
    sa.Column('user_id', sa.String(length=64), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('candidate_key', sa.String(), nullable=False),
    sa.Column('scan_id', sa.String(), nullable=False),
    sa.Column('bot_key', sa.String(), nullable=False),
    sa.Column('underlying', sa.String(), nullable=False),
    sa.Column('asset_class', sa.String(), nullable=False),
    sa.Column('template', sa.String(), nullable=False),
    sa.Column('strategy_layer', sa.String(), nullable=False),
    sa.Column('expiry', sa.Date(), nullable=True),
    sa.Column('dte', sa.Integer(), nullable=True),
    sa.Column('credit', sa.Float(), nullable=False),
    sa.Column('max_loss', sa.Float(), nullable=False),
    sa.Column('max_profit', sa.Float(), nullable=False),
    sa.Column('width', sa.Float(), nullable=True),
    sa.Column('breakevens', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('pop', sa.Float(), nullable=True),
    sa.Column('quantity', sa.Float(), nullable=False),
    sa.Column('entry', sa.Float(), nullable=True),
    sa.Column('stop', sa.Float(), nullable=True),
    sa.Column('target', sa.Float(), nullable=True),
    sa.Column('direction', sa.String(), nullable=True),
    sa.Column('data_quality', sa.Float(), nullable=False),
    sa.Column('spread_quality', sa.Float(), nullable=False),
    sa.Column('score', sa.Float(), nullable=False),
    sa.Column('rank', sa.Integer(), nullable=False),
    sa.Column('confidence', sa.String(), nullable=False),
    sa.Column('variant', sa.String(), nullable=False),
    sa.Column('status', sa.String(), nullable=False),
    sa.Column('status_reason', sa.String(), nullable=False),
    sa.Column('delta', sa.Float(), nullable=False),
    sa.Column('gamma', sa.Float(), nullable=False),
    sa.Column('vega', sa.Float(), nullable=False),
    sa.Column('theta', sa.Float(), nullable=False),
    sa.Column('flags', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('legs', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('score_parts', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_candidates')),
    sa.UniqueConstraint('user_id', 'candidate_key', name=op.f('uq_candidates_user_id_candidate_key'))
    )
    with op.batch_alter_table('candidates', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_candidates_bot_key'), ['bot_key'], unique=False)
        batch_op.create_index(batch_op.f('ix_candidates_scan_id'), ['scan_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_candidates_user_id_status'), ['user_id', 'status'], unique=False)

    op.create_table('fill_quality',
    sa.Column('user_id', sa.String(length=64), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('client_order_id', sa.String(), nullable=False),
    sa.Column('symbol', sa.String(), nullable=False),
    sa.Column('action', sa.String(), nullable=False),
    sa.Column('quantity', sa.Float(), nullable=False),
    sa.Column('expected_price', sa.Float(), nullable=False),
    sa.Column('limit_price', sa.Float(), nullable=True),
    sa.Column('actual_price', sa.Float(), nullable=False),
    sa.Column('slippage', sa.Float(), nullable=False),
    sa.Column('steps', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_fill_quality'))
    )
    with op.batch_alter_table('fill_quality', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_fill_quality_client_order_id'), ['client_order_id'], unique=False)

    op.create_table('fills',
    sa.Column('user_id', sa.String(length=64), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('exec_id', sa.String(), nullable=False),
    sa.Column('client_order_id', sa.String(), nullable=False),
    sa.Column('venue_order_id', sa.String(), nullable=False),
    sa.Column('symbol', sa.String(), nullable=False),
    sa.Column('action', sa.String(), nullable=False),
    sa.Column('quantity', sa.Float(), nullable=False),
    sa.Column('price', sa.Float(), nullable=False),
    sa.Column('multiplier', sa.Integer(), nullable=False),
    sa.Column('commission', sa.Float(), nullable=False),
    sa.Column('leg_index', sa.Integer(), nullable=False),
    sa.Column('time', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_fills')),
    sa.UniqueConstraint('user_id', 'exec_id', name=op.f('uq_fills_user_id_exec_id'))
    )
    with op.batch_alter_table('fills', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_fills_client_order_id'), ['client_order_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_fills_user_id_time'), ['user_id', 'time'], unique=False)

    op.create_table('funding_rates',
    sa.Column('user_id', sa.String(length=64), nullable=False),
    sa.Column('symbol', sa.String(), nullable=False),
    sa.Column('ts', sa.DateTime(timezone=True), nullable=False),
    sa.Column('rate_8h', sa.Float(), nullable=False),
    sa.PrimaryKeyConstraint('user_id', 'symbol', 'ts', name=op.f('pk_funding_rates'))
    )
    op.create_table('hurst_series',
    sa.Column('user_id', sa.String(length=64), nullable=False),
    sa.Column('symbol', sa.String(), nullable=False),
    sa.Column('window', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('date', sa.Date(), nullable=False),
    sa.Column('hurst', sa.Float(), nullable=False),
    sa.PrimaryKeyConstraint('user_id', 'symbol', 'window', 'date', name=op.f('pk_hurst_series'))
    )
    op.create_table('iv_history',
    sa.Column('user_id', sa.String(length=64), nullable=False),
    sa.Column('underlying', sa.String(), nullable=False),
    sa.Column('date', sa.Date(), nullable=False),
    sa.Column('iv', sa.Float(), nullable=False),
    sa.Column('source', sa.String(), nullable=False),
    sa.PrimaryKeyConstraint('user_id', 'underlying', 'date', name=op.f('pk_iv_history'))
    )
    op.create_table('leases',
    sa.Column('user_id', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(), nullable=False),
    sa.Column('owner', sa.String(), nullable=False),
    sa.Column('acquired_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('user_id', 'name', name=op.f('pk_leases'))
    )
    op.create_table('macro_features',
    sa.Column('user_id', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(), nullable=False),
    sa.Column('date', sa.Date(), nullable=False),
    sa.Column('value', sa.Float(), nullable=False),
    sa.PrimaryKeyConstraint('user_id', 'name', 'date', name=op.f('pk_macro_features'))
    )
    op.create_table('ohlcv',
    sa.Column('user_id', sa.String(length=64), nullable=False),
    sa.Column('symbol', sa.String(), nullable=False),
    sa.Column('timeframe', sa.String(), nullable=False),
    sa.Column('ts', sa.DateTime(timezone=True), nullable=False),
    sa.Column('open', sa.Float(), nullable=False),
    sa.Column('high', sa.Float(), nullable=False),
    sa.Column('low', sa.Float(), nullable=False),
    sa.Column('close', sa.Float(), nullable=False),
    sa.Column('volume', sa.Float(), nullable=False),
    sa.PrimaryKeyConstraint('user_id', 'symbol', 'timeframe', 'ts', name=op.f('pk_ohlcv'))
    )
    op.create_table('order_intents',
    sa.Column('user_id', sa.String(length=64), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('client_order_id', sa.String(), nullable=False),
    sa.Column('bot_key', sa.String(), nullable=True),
    sa.Column('candidate_key', sa.String(), nullable=True),
    sa.Column('order_type', sa.String(), nullable=False),
    sa.Column('quantity', sa.Float(), nullable=False),
    sa.Column('limit_price', sa.Float(), nullable=True),
    sa.Column('opening', sa.Boolean(), nullable=False),
    sa.Column('tag', sa.String(), nullable=False),
    sa.Column('legs', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('status', sa.String(), nullable=False),
    sa.Column('status_reason', sa.String(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_order_intents')),
    sa.UniqueConstraint('user_id', 'client_order_id', name=op.f('uq_order_intents_user_id_client_order_id'))
    )
    with op.batch_alter_table('order_intents', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_order_intents_bot_key'), ['bot_key'], unique=False)
        batch_op.create_index(batch_op.f('ix_order_intents_user_id_status'), ['user_id', 'status'], unique=False)

    op.create_table('positions',
    sa.Column('user_id', sa.String(length=64), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('position_key', sa.String(), nullable=False),
    sa.Column('bot_key', sa.String(), nullable=False),
    sa.Column('candidate_key', sa.String(), nullable=True),
    sa.Column('underlying', sa.String(), nullable=False),
    sa.Column('asset_class', sa.String(), nullable=False),
    sa.Column('template', sa.String(), nullable=False),
    sa.Column('strategy_layer', sa.String(), nullable=False),
    sa.Column('paper', sa.Boolean(), nullable=False),
    sa.Column('status', sa.String(), nullable=False),
    sa.Column('quantity', sa.Float(), nullable=False),
    sa.Column('entry_price', sa.Float(), nullable=False),
    sa.Column('max_loss', sa.Float(), nullable=False),
    sa.Column('mark', sa.Float(), nullable=True),
    sa.Column('unrealized_pnl', sa.Float(), nullable=False),
    sa.Column('realized_pnl', sa.Float(), nullable=False),
    sa.Column('greeks', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('opened_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('marked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_positions')),
    sa.UniqueConstraint('user_id', 'position_key', name=op.f('uq_positions_user_id_position_key'))
    )
    with op.batch_alter_table('positions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_positions_bot_key'), ['bot_key'], unique=False)
        batch_op.create_index(batch_op.f('ix_positions_user_id_status'), ['user_id', 'status'], unique=False)

    op.create_table('regime_history',
    sa.Column('user_id', sa.String(length=64), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('model', sa.String(), nullable=False),
    sa.Column('asof', sa.Date(), nullable=False),
    sa.Column('regime', sa.String(), nullable=False),
    sa.Column('confidence', sa.Float(), nullable=False),
    sa.Column('probabilities', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('trend', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('drivers', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('extra', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('transition_alert', sa.Boolean(), nullable=False),
    sa.Column('horizon_seconds', sa.Float(), nullable=False),
    sa.Column('model_version', sa.String(), nullable=False),
    sa.Column('computed_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_regime_history'))
    )
    with op.batch_alter_table('regime_history', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_regime_history_user_id_model_asof'), ['user_id', 'model', 'asof'], unique=False)

    op.create_table('risk_events',
    sa.Column('user_id', sa.String(length=64), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(), nullable=False),
    sa.Column('scope', sa.String(), nullable=False),
    sa.Column('scope_key', sa.String(), nullable=False),
    sa.Column('candidate_key', sa.String(), nullable=True),
    sa.Column('check', sa.String(), nullable=False),
    sa.Column('passed', sa.Boolean(), nullable=False),
    sa.Column('code', sa.String(), nullable=False),
    sa.Column('reason', sa.String(), nullable=False),
    sa.Column('figure', sa.Float(), nullable=True),
    sa.Column('limit', sa.Float(), nullable=True),
    sa.Column('details', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_risk_events'))
    )
    with op.batch_alter_table('risk_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_risk_events_user_id_at'), ['user_id', 'at'], unique=False)
        batch_op.create_index(batch_op.f('ix_risk_events_user_id_scope_scope_key'), ['user_id', 'scope', 'scope_key'], unique=False)

    op.create_table('signals',
    sa.Column('user_id', sa.String(length=64), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('signal_key', sa.String(), nullable=False),
    sa.Column('bot_key', sa.String(), nullable=True),
    sa.Column('source', sa.String(), nullable=False),
    sa.Column('kind', sa.String(), nullable=False),
    sa.Column('underlying', sa.String(), nullable=False),
    sa.Column('payload', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('research_context', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('action', sa.String(), nullable=False),
    sa.Column('action_reason', sa.String(), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_signals')),
    sa.UniqueConstraint('user_id', 'signal_key', name=op.f('uq_signals_user_id_signal_key'))
    )
    with op.batch_alter_table('signals', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_signals_bot_key'), ['bot_key'], unique=False)
        batch_op.create_index(batch_op.f('ix_signals_user_id_received_at'), ['user_id', 'received_at'], unique=False)

    op.create_table('trading_states',
    sa.Column('user_id', sa.String(length=64), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('scope', sa.String(), nullable=False),
    sa.Column('scope_key', sa.String(), nullable=False),
    sa.Column('state', sa.String(), nullable=False),
    sa.Column('reason', sa.String(), nullable=False),
    sa.Column('latched', sa.Boolean(), nullable=False),
    sa.Column('set_by', sa.String(), nullable=False),
    sa.Column('details', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_trading_states')),
    sa.UniqueConstraint('user_id', 'scope', 'scope_key', name=op.f('uq_trading_states_user_id_scope_scope_key'))
    )
    op.create_table('universes',
    sa.Column('user_id', sa.String(length=64), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(), nullable=False),
    sa.Column('asset_class', sa.String(), nullable=False),
    sa.Column('payload', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_universes')),
    sa.UniqueConstraint('user_id', 'name', name=op.f('uq_universes_user_id_name'))
    )
    op.create_table('bot_configs',
    sa.Column('user_id', sa.String(length=64), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('bot_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('digest', sa.String(), nullable=False),
    sa.Column('payload', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('source', sa.String(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['bot_id'], ['bots.id'], name=op.f('fk_bot_configs_bot_id_bots'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bot_configs')),
    sa.UniqueConstraint('bot_id', 'version', name=op.f('uq_bot_configs_bot_id_version'))
    )
    op.create_table('bot_transitions',
    sa.Column('user_id', sa.String(length=64), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('bot_id', sa.Integer(), nullable=False),
    sa.Column('from_state', sa.String(), nullable=False),
    sa.Column('to_state', sa.String(), nullable=False),
    sa.Column('event', sa.String(), nullable=False),
    sa.Column('reason', sa.String(), nullable=False),
    sa.Column('candidate_key', sa.String(), nullable=True),
    sa.Column('actor', sa.String(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['bot_id'], ['bots.id'], name=op.f('fk_bot_transitions_bot_id_bots'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bot_transitions'))
    )
    with op.batch_alter_table('bot_transitions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_bot_transitions_bot_id_at'), ['bot_id', 'at'], unique=False)

    op.create_table('candidate_verdicts',
    sa.Column('user_id', sa.String(length=64), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('candidate_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('check', sa.String(), nullable=False),
    sa.Column('passed', sa.Boolean(), nullable=False),
    sa.Column('code', sa.String(), nullable=False),
    sa.Column('reason', sa.String(), nullable=False),
    sa.Column('figure', sa.Float(), nullable=True),
    sa.Column('limit', sa.Float(), nullable=True),
    sa.Column('details', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.ForeignKeyConstraint(['candidate_id'], ['candidates.id'], name=op.f('fk_candidate_verdicts_candidate_id_candidates'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_candidate_verdicts')),
    sa.UniqueConstraint('candidate_id', 'position', name=op.f('uq_candidate_verdicts_candidate_id_position'))
    )
    op.create_table('orders',
    sa.Column('user_id', sa.String(length=64), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('client_order_id', sa.String(), nullable=False),
    sa.Column('intent_id', sa.Integer(), nullable=True),
    sa.Column('venue_order_id', sa.String(), nullable=True),
    sa.Column('status', sa.String(), nullable=False),
    sa.Column('quantity', sa.Float(), nullable=False),
    sa.Column('limit_price', sa.Float(), nullable=True),
    sa.Column('filled_quantity', sa.Float(), nullable=False),
    sa.Column('avg_fill_price', sa.Float(), nullable=True),
    sa.Column('reason', sa.String(), nullable=False),
    sa.Column('legs', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['intent_id'], ['order_intents.id'], name=op.f('fk_orders_intent_id_order_intents')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_orders')),
    sa.UniqueConstraint('user_id', 'client_order_id', name=op.f('uq_orders_user_id_client_order_id'))
    )
    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_orders_user_id_status'), ['user_id', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_orders_venue_order_id'), ['venue_order_id'], unique=False)

    op.create_table('position_legs',
    sa.Column('user_id', sa.String(length=64), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('position_id', sa.Integer(), nullable=False),
    sa.Column('leg_index', sa.Integer(), nullable=False),
    sa.Column('symbol', sa.String(), nullable=False),
    sa.Column('instrument', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('quantity', sa.Float(), nullable=False),
    sa.Column('avg_price', sa.Float(), nullable=False),
    sa.Column('multiplier', sa.Integer(), nullable=False),
    sa.Column('mark', sa.Float(), nullable=True),
    sa.ForeignKeyConstraint(['position_id'], ['positions.id'], name=op.f('fk_position_legs_position_id_positions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_position_legs')),
    sa.UniqueConstraint('position_id', 'leg_index', name=op.f('uq_position_legs_position_id_leg_index'))
    )
    op.create_table('trades',
    sa.Column('user_id', sa.String(length=64), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('trade_key', sa.String(), nullable=False),
    sa.Column('position_id', sa.Integer(), nullable=True),
    sa.Column('bot_key', sa.String(), nullable=False),
    sa.Column('candidate_key', sa.String(), nullable=True),
    sa.Column('underlying', sa.String(), nullable=False),
    sa.Column('template', sa.String(), nullable=False),
    sa.Column('strategy_layer', sa.String(), nullable=False),
    sa.Column('paper', sa.Boolean(), nullable=False),
    sa.Column('max_loss', sa.Float(), nullable=False),
    sa.Column('realized_pnl', sa.Float(), nullable=True),
    sa.Column('fees', sa.Float(), nullable=False),
    sa.Column('reward', sa.Float(), nullable=True),
    sa.Column('exit_reason', sa.String(), nullable=False),
    sa.Column('entry_features', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('opened_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['position_id'], ['positions.id'], name=op.f('fk_trades_position_id_positions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_trades')),
    sa.UniqueConstraint('user_id', 'trade_key', name=op.f('uq_trades_user_id_trade_key'))
    )
    with op.batch_alter_table('trades', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_trades_bot_key'), ['bot_key'], unique=False)
        batch_op.create_index(batch_op.f('ix_trades_user_id_closed_at'), ['user_id', 'closed_at'], unique=False)



def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table('trades', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_trades_user_id_closed_at'))
        batch_op.drop_index(batch_op.f('ix_trades_bot_key'))

    op.drop_table('trades')
    op.drop_table('position_legs')
    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_orders_venue_order_id'))
        batch_op.drop_index(batch_op.f('ix_orders_user_id_status'))

    op.drop_table('orders')
    op.drop_table('candidate_verdicts')
    with op.batch_alter_table('bot_transitions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_bot_transitions_bot_id_at'))

    op.drop_table('bot_transitions')
    op.drop_table('bot_configs')
    op.drop_table('universes')
    op.drop_table('trading_states')
    with op.batch_alter_table('signals', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_signals_user_id_received_at'))
        batch_op.drop_index(batch_op.f('ix_signals_bot_key'))

    op.drop_table('signals')
    with op.batch_alter_table('risk_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_risk_events_user_id_scope_scope_key'))
        batch_op.drop_index(batch_op.f('ix_risk_events_user_id_at'))

    op.drop_table('risk_events')
    with op.batch_alter_table('regime_history', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_regime_history_user_id_model_asof'))

    op.drop_table('regime_history')
    with op.batch_alter_table('positions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_positions_user_id_status'))
        batch_op.drop_index(batch_op.f('ix_positions_bot_key'))

    op.drop_table('positions')
    with op.batch_alter_table('order_intents', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_order_intents_user_id_status'))
        batch_op.drop_index(batch_op.f('ix_order_intents_bot_key'))

    op.drop_table('order_intents')
    op.drop_table('ohlcv')
    op.drop_table('macro_features')
    op.drop_table('leases')
    op.drop_table('iv_history')
    op.drop_table('hurst_series')
    op.drop_table('funding_rates')
    with op.batch_alter_table('fills', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_fills_user_id_time'))
        batch_op.drop_index(batch_op.f('ix_fills_client_order_id'))

    op.drop_table('fills')
    with op.batch_alter_table('fill_quality', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_fill_quality_client_order_id'))

    op.drop_table('fill_quality')
    with op.batch_alter_table('candidates', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_candidates_user_id_status'))
        batch_op.drop_index(batch_op.f('ix_candidates_scan_id'))
        batch_op.drop_index(batch_op.f('ix_candidates_bot_key'))

    op.drop_table('candidates')
    op.drop_table('bots')
    op.drop_table('bandit_state')
    with op.batch_alter_table('bandit_decisions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_bandit_decisions_user_id_bandit_at'))

    op.drop_table('bandit_decisions')
    op.drop_table('audit_log')
    op.drop_table('audit_head')
    with op.batch_alter_table('annotations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_annotations_candidate_key'))

    op.drop_table('annotations')
    op.drop_table('account_snapshots')
