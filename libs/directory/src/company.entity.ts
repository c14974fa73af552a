import { Column, Entity, PrimaryColumn } from 'typeorm';
import { CompanyId, TimestampColumn } from '@app/common';

/** A tenant. The platform owns companies; this row exists from the company's first use here. */
@Entity('companies')
export class CompanyEntity {
  @PrimaryColumn({ type: 'varchar', length: 64 })
  id: CompanyId;

  @Column({ type: 'varchar', length: 200 })
  name: string;

  @TimestampColumn()
  createdAt: Date;

  @TimestampColumn()
  updatedAt: Date;
}
